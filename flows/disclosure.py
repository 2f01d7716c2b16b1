"""Disclosure control for the governors' figures: no count from 1 to threshold-1 can be pinned down from everything
published together, and nothing withheld can be worked out exactly. Standard library only.

Every table the pack publishes is a whole breakdown of its population (concerns, contact questions, declarations),
its total published exactly (a population too small to break down is not broken down: pack.FLOOR). Tables of one
population then meet only in that total, so each is protected on its own, as a reader with a pencil would attack
it: every hidden count is an unknown within what was said of it ("fewer than 3": 1 or 2; "withheld": anything),
bound by the table's sums. A one-way table is the cells adding up to the total; a two-way table adds its row and
column sums. That is a flow network, so a count's possible values form a range, and whether it could be one more or
one less than it is decides whether it is pinned (a maximum flow with lower bounds, per test).

protect(): "fewer than" for every count from 1 to threshold-1; while one of them is pinned, say less: "withheld"
for a "fewer than" (all that is lost is that it is small), else for the smallest count shown beside it, choosing
the first that unpins it (else the first, and looking again); then show any withheld count of threshold or more that
is pinned after all (it says nothing new). Zero is always shown. A table that still cannot be protected is not
published (None)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

FEWER = "fewer"
WITHHELD = "withheld"
Shown = int | str  # an exact count, FEWER or WITHHELD


@dataclass
class Table:
    """A breakdown of `total`: cells keyed (row, column); with `row_sums`/`col_sums` a two-way table whose margins
    are published too. A one-way table has the single column "" and no margins."""

    total: int
    cells: dict[tuple[str, str], int]
    row_sums: bool = False
    col_sums: bool = False
    shown: dict[tuple[str, str], Shown] = field(default_factory=dict)  # keys: cells, (row, "*"), ("*", column)
    _true: dict[tuple[str, str], int] | None = field(default=None, repr=False)

    def rows(self) -> list[str]:
        return list(dict.fromkeys(r for r, _ in self.cells))

    def cols(self) -> list[str]:
        return list(dict.fromkeys(c for _, c in self.cells))

    def true(self) -> dict[tuple[str, str], int]:
        """Every published figure's true value: the cells, then the margins published."""
        if self._true is not None:
            return self._true
        found = dict(self.cells)
        if self.row_sums:
            found.update({(r, "*"): sum(n for (row, _), n in self.cells.items() if row == r) for r in self.rows()})
        if self.col_sums:
            found.update({("*", c): sum(n for (_, col), n in self.cells.items() if col == c) for c in self.cols()})
        self._true = found
        return found


def protect(table: Table, threshold: int) -> dict[tuple[str, str], Shown] | None:
    """How each figure of the table is shown; None when no protection holds (the table is then not published)."""
    true = table.true()
    shown: dict[tuple[str, str], Shown] = {k: FEWER if 0 < n < threshold else n for k, n in true.items()}

    def small_and_pinned() -> tuple[str, str] | None:
        hidden = (k for k, v in shown.items() if v in (FEWER, WITHHELD) and 0 < true[k] < threshold)
        return next((k for k in hidden if _pinned(table, shown, k, threshold)), None)

    while (pinned := small_and_pinned()) is not None:
        # Say less: "withheld" for a "fewer than" first (it gives up only that the count is small), then the
        # smallest count shown beside it; the first that unpins it, else the first, and look again.
        fewer = sorted((k for k, v in shown.items() if v == FEWER), key=lambda k: (k != pinned, true[k], k))
        exact = sorted((k for k, v in shown.items() if isinstance(v, int) and v > 0), key=lambda k: (true[k], k))
        candidates = fewer + exact
        if not candidates:
            return None
        chosen = next(
            (k for k in candidates if not _pinned(table, {**shown, k: WITHHELD}, pinned, threshold)), candidates[0]
        )
        shown[chosen] = WITHHELD
    for key in [k for k, v in shown.items() if v == WITHHELD and not 0 < true[k] < threshold]:
        if _pinned(table, shown, key, threshold):
            shown[key] = true[key]  # worked out exactly from the rest: saying it adds nothing
    table.shown = shown
    return shown


def _pinned(table: Table, shown: dict[tuple[str, str], Shown], key: tuple[str, str], threshold: int) -> bool:
    """Whether the hidden figure `key` has one possible value given everything else shown."""
    value = table.true()[key]
    low, high = _range(shown[key], threshold, table.total)
    return not any(
        low <= other <= high and _feasible(table, {**shown, key: other}, threshold) for other in (value - 1, value + 1)
    )


def _range(shown: Shown, threshold: int, most: int) -> tuple[int, int]:
    if shown == FEWER:
        return 1, threshold - 1
    if shown == WITHHELD:
        return 0, most
    assert isinstance(shown, int)
    return shown, shown


def _feasible(table: Table, shown: dict[tuple[str, str], Shown], threshold: int) -> bool:
    """Whether some table of whole numbers agrees with everything shown: a circulation with lower bounds, source ->
    row -> column -> sink -> source, the total on the way back."""
    most = table.total

    def bounds(key: tuple[str, str]) -> tuple[int, int]:
        return _range(shown[key], threshold, most) if key in shown else (0, most)

    edges: list[tuple[str, str, int, int]] = [("sink", "source", table.total, table.total)]
    for row in table.rows():
        edges.append(("source", f"r:{row}", *(bounds((row, "*")) if table.row_sums else (0, most))))
    for col in table.cols():
        edges.append((f"c:{col}", "sink", *(bounds(("*", col)) if table.col_sums else (0, most))))
    for row, col in table.cells:
        edges.append((f"r:{row}", f"c:{col}", *bounds((row, col))))
    return _circulates(edges)


def _circulates(edges: list[tuple[str, str, int, int]]) -> bool:
    """Whether a circulation meets every edge's (low, high): the standard reduction to one maximum flow."""
    capacity: dict[str, dict[str, int]] = {}
    excess: dict[str, int] = {}

    def add(u: str, v: str, amount: int) -> None:
        capacity.setdefault(u, {}).setdefault(v, 0)
        capacity.setdefault(v, {}).setdefault(u, 0)
        capacity[u][v] += amount

    for u, v, low, high in edges:
        if low > high:
            return False
        add(u, v, high - low)
        excess[v] = excess.get(v, 0) + low
        excess[u] = excess.get(u, 0) - low
    needed = 0
    for node, amount in excess.items():
        if amount > 0:
            add("+", node, amount)
            needed += amount
        elif amount < 0:
            add(node, "-", -amount)
    return _max_flow(capacity, "+", "-") == needed


def _max_flow(capacity: dict[str, dict[str, int]], source: str, sink: str) -> int:
    """Edmonds-Karp on a residual graph of a few dozen nodes."""
    if source not in capacity or sink not in capacity:
        return 0
    flow = 0
    while True:
        parent: dict[str, str] = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for nxt, left in capacity[node].items():
                if left > 0 and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            return flow
        path, node = [], sink
        while node != source:
            path.append((parent[node], node))
            node = parent[node]
        pushed = min(capacity[u][v] for u, v in path)
        for u, v in path:
            capacity[u][v] -= pushed
            capacity[v][u] += pushed
        flow += pushed

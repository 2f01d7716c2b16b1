// The sandbox page: pick who you are, read your conversations and App Home, type a slash command, press buttons,
// fill in modals. Everything you do goes to the sandbox, which sends it to policybot as Slack would. A trust's
// sandbox (--trust) lists its people by school, with a switch between the schools.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  let me = params.get("as") || localStorage.getItem("sandbox-as") || "USTAFF1";
  let school = params.get("school") || localStorage.getItem("sandbox-school") || "";
  let where = params.get("in") || "";
  let state = null;
  let drawnVersion = -1;
  let drawnModal = null; // what the modal dialog shows now (null: draw it afresh)

  async function call(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ as: me, ...body }),
    });
    const answer = await response.json().catch(() => ({ error: "The sandbox did not answer" }));
    if (!response.ok) notice(answer.error || "That did not work");
    else notice("");
    await refresh(true);
    return response.ok;
  }

  function notice(text) {
    const node = $("notice");
    node.textContent = text;
    node.hidden = !text;
  }

  async function refresh(force) {
    let response;
    try {
      response = await fetch(`/api/state?as=${encodeURIComponent(me)}`, { cache: "no-store" });
    } catch {
      notice("The sandbox is not answering: is it still running?");
      return;
    }
    if (!response.ok) {
      // someone this sandbox does not have (chosen in another sandbox's page): its first person instead
      const answer = await response.json().catch(() => ({}));
      if (answer.people && answer.people.length && !answer.people.includes(me)) {
        me = answer.people[0];
        await refresh(true);
      }
      return;
    }
    state = await response.json();
    if (force || state.version !== drawnVersion) draw();
  }

  function names() {
    return state.names || {};
  }

  function ctx(extra) {
    return {
      names: names(),
      people: state.people,
      confirm: askConfirm,
      ...extra,
    };
  }

  // --- the sidebar -----------------------------------------------------------------------------------------------

  function drawSidebar() {
    const group = drawSchools();
    const who = $("who");
    if (who.dataset.school !== group.key) {
      who.innerHTML = "";
      who.dataset.school = group.key;
      for (const person of group.people.map((id) => state.people.find((p) => p.id === id))) {
        who.appendChild(new Option(`${person.name} (${person.title})`, person.id));
      }
    }
    who.value = me;
    const person = state.people.find((p) => p.id === me);
    $("who-title").textContent = person ? person.title : "";
    const list = $("conversations");
    list.innerHTML = "";
    list.dataset.person = state.me; // whose places these are: the state drawn was fetched for them
    const places = [...state.conversations.map((c) => ({ id: c.id, name: c.name })), { id: "home", name: "policybot: Home" }];
    if (!places.some((p) => p.id === where)) where = places[0].id;
    for (const place of places) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = place.name;
      button.className = "place";
      if (place.id === where) button.setAttribute("aria-current", "page");
      button.addEventListener("click", () => go(place.id));
      item.appendChild(button);
      list.appendChild(item);
    }
    $("clock").textContent = botClock(state.clock_offset_seconds || 0, state.school_timezone || "Europe/London");
    if (trust()) drawOffice(group);
    else $("office-access").href = `/records/subject-access?as=${encodeURIComponent(me)}`;
  }

  function trust() {
    return (state.schools || []).length > 1;
  }

  // The switch between a trust's schools (and its own people): the chosen one's people are in "You are".
  function drawSchools() {
    const groups = state.schools;
    const group = groups.find((g) => g.key === school && g.people.includes(me)) || groups.find((g) => g.people.includes(me)) || groups[0];
    school = group.key;
    const box = $("school-switch");
    $("schools").hidden = !trust();
    if (trust() && !box.children.length) {
      for (const each of groups) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = each.name;
        button.dataset.school = each.key;
        button.addEventListener("click", () => chooseSchool(each.key));
        box.appendChild(button);
      }
    }
    for (const button of box.children) button.setAttribute("aria-pressed", String(button.dataset.school === school));
    return group;
  }

  function chooseSchool(key) {
    const group = state.schools.find((g) => g.key === key);
    school = key;
    localStorage.setItem("sandbox-school", key);
    if (!group.people.includes(me)) {
      me = group.people[0];
      localStorage.setItem("sandbox-as", me);
      where = "";
      drawnModal = null;
    }
    refresh(true);
  }

  // A trust's office runs each command for one school: the chosen school's, or each school's for the trust's people.
  function drawOffice(group) {
    const schools = group.school ? [group] : state.schools.filter((g) => g.school);
    const list = $("office");
    list.innerHTML = "";
    const link = (href, text) => {
      const item = document.createElement("li");
      const a = document.createElement("a");
      Object.assign(a, { href, textContent: text, target: "_blank", rel: "noopener" });
      item.appendChild(a);
      list.appendChild(item);
    };
    for (const each of schools) {
      const key = encodeURIComponent(each.key);
      link(`/records/pack?school=${key}`, `The governors' pack: ${each.name}`);
      link(`/records/subject-access?as=${encodeURIComponent(me)}&school=${key}`, `What ${each.name} holds about you (subject access)`);
      link(`/records/retention?school=${key}`, `What retention will redact: ${each.name}`);
    }
    if (!group.school) link("/records/trust-pack", "The trust pack: every school's figures side by side");
  }

  // The bot's date and time, in the school's time zone: what a nudge or a reminder is due by.
  function botClock(seconds, zone) {
    const at = new Date(Date.now() + seconds * 1000).toLocaleString("en-GB", {
      timeZone: zone, weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    });
    return seconds < 60 ? `The bot's clock: ${at} (on time).` : `The bot's clock: ${at} (moved on).`;
  }

  function go(place) {
    where = place;
    if (place === "home") call("/api/home", {});
    draw();
    $("where").focus();
  }

  // --- the conversation, or the Home tab ---------------------------------------------------------------------------

  function drawMain() {
    const area = $("messages");
    area.innerHTML = "";
    if (where === "home") {
      $("where").textContent = "policybot: Home";
      $("composer").hidden = true;
      if (!state.home) area.appendChild(paragraph("Nothing here yet: policybot draws your Home tab when you open it."));
      else area.appendChild(BlockKit.render(state.home.view.blocks, ctx({ onAction: (a) => act(a, { view_id: state.home.id }) })));
      return;
    }
    const conversation = state.conversations.find((c) => c.id === where);
    $("where").textContent = conversation.name;
    $("composer").hidden = false;
    const messages = state.messages[where] || [];
    if (!messages.length) area.appendChild(paragraph("No messages yet."));
    for (const message of messages) area.appendChild(drawMessage(message, where));
    for (const e of state.ephemerals.filter((e) => e.channel === where)) {
      const node = drawMessage({ ts: String(e.at), text: e.text, blocks: e.blocks, replies: [] }, where);
      node.classList.add("ephemeral");
      node.querySelector(".author").textContent = "policybot · only visible to you";
      area.appendChild(node);
    }
  }

  function drawMessage(message, channel) {
    const node = document.createElement("article");
    node.className = "message";
    const author = document.createElement("div");
    author.className = "author";
    author.textContent = "policybot";
    node.appendChild(author);
    const onAction = (action) => act(action, { channel, ts: message.ts });
    if (message.blocks && message.blocks.length) node.appendChild(BlockKit.render(message.blocks, ctx({ onAction })));
    else node.appendChild(paragraphHtml(BlockKit.mrkdwn(message.text, names())));
    for (const file of message.files || []) node.appendChild(drawFile(file));
    if (message.replies.length) {
      const thread = document.createElement("div");
      thread.className = "thread";
      thread.setAttribute("aria-label", `${message.replies.length} replies in the thread`);
      for (const reply of message.replies) {
        const item = document.createElement("div");
        item.className = "reply";
        item.appendChild(reply.blocks && reply.blocks.length ? BlockKit.render(reply.blocks, ctx({ onAction })) : paragraphHtml(BlockKit.mrkdwn(reply.text, names())));
        thread.appendChild(item);
      }
      node.appendChild(thread);
    }
    return node;
  }

  function drawFile(file) {
    const link = document.createElement("a");
    link.className = "file";
    link.href = `/files/${encodeURIComponent(file.id)}?as=${encodeURIComponent(state.me)}`;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = `File: ${file.title} (${file.name}, ${Math.max(1, Math.round(file.size / 1024))} KB)`;
    return link;
  }

  function paragraph(text) {
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = text;
    return p;
  }

  function paragraphHtml(html) {
    const p = document.createElement("div");
    p.className = "message-text";
    p.innerHTML = html;
    return p;
  }

  // --- modals ------------------------------------------------------------------------------------------------------

  function drawModal() {
    const dialog = $("modal");
    const modal = state.modal;
    const key = modal ? JSON.stringify([modal.id, modal.view, modal.errors]) : "";
    if (key === drawnModal) return;
    drawnModal = key;
    if (!modal) {
      if (dialog.open) dialog.close();
      return;
    }
    const view = modal.view;
    const before = dialog.querySelector("form");
    const kept = before && before.dataset.viewId === modal.id ? BlockKit.collectState(before) : null;
    dialog.innerHTML = "";
    const form = document.createElement("form");
    form.method = "dialog";
    form.noValidate = true;
    const title = document.createElement("h2");
    title.id = "modal-title";
    title.textContent = view.title?.text || "";
    form.appendChild(title);
    form.dataset.viewId = modal.id;
    form.appendChild(BlockKit.render(view.blocks, ctx({ errors: modal.errors, onAction: (a) => act(a, { view_id: modal.id, values: BlockKit.collectState(form) }) })));
    if (kept) BlockKit.applyState(form, kept); // a field error or an update of the same modal keeps what was typed
    const buttons = document.createElement("div");
    buttons.className = "modal-buttons";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = view.close?.text || "Cancel";
    close.addEventListener("click", () => call("/api/close", { view_id: modal.id }));
    buttons.appendChild(close);
    if (view.submit) {
      const submit = document.createElement("button");
      submit.type = "submit";
      submit.className = "button primary";
      submit.textContent = view.submit.text;
      buttons.appendChild(submit);
    }
    form.appendChild(buttons);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      call("/api/submit", { view_id: modal.id, values: BlockKit.collectState(form) });
    });
    dialog.appendChild(form);
    dialog.oncancel = (event) => {
      event.preventDefault();
      call("/api/close", { view_id: modal.id });
    };
    if (!dialog.open) dialog.showModal();
    const first = dialog.querySelector(".has-error input, .has-error select, .has-error textarea") || dialog.querySelector("input, select, textarea, button");
    if (first) first.focus();
  }

  function askConfirm(confirm) {
    const dialog = $("confirm");
    dialog.innerHTML = "";
    return new Promise((resolve) => {
      const title = document.createElement("h2");
      title.id = "confirm-title";
      title.textContent = confirm.title?.text || "Are you sure?";
      dialog.appendChild(title);
      const text = document.createElement("p");
      text.innerHTML = BlockKit.mrkdwn(confirm.text?.text || "", names());
      dialog.appendChild(text);
      const row = document.createElement("div");
      row.className = "modal-buttons";
      const no = document.createElement("button");
      no.type = "button";
      no.textContent = confirm.deny?.text || "Cancel";
      const yes = document.createElement("button");
      yes.type = "button";
      yes.className = `button ${confirm.style === "danger" ? "danger" : "primary"}`;
      yes.textContent = confirm.confirm?.text || "Yes";
      const done = (answer) => {
        dialog.close();
        resolve(answer);
      };
      no.addEventListener("click", () => done(false));
      yes.addEventListener("click", () => done(true));
      dialog.oncancel = () => resolve(false);
      row.append(no, yes);
      dialog.appendChild(row);
      dialog.showModal();
      yes.focus();
    });
  }

  // --- doing things ------------------------------------------------------------------------------------------------

  function act(action, placement) {
    return call("/api/action", { action, where: placement });
  }

  function draw() {
    drawnVersion = state.version;
    drawSidebar();
    drawMain();
    drawModal();
  }

  $("who").addEventListener("change", (event) => {
    me = event.target.value;
    localStorage.setItem("sandbox-as", me);
    localStorage.setItem("sandbox-school", school);
    where = "";
    drawnModal = null;
    refresh(true);
  });
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("message");
    const text = input.value.trim();
    if (!text) return;
    if (await call("/api/command", { text, channel: where })) input.value = "";
  });
  for (const button of document.querySelectorAll("[data-step]")) {
    button.addEventListener("click", () => call("/api/clock", { step: button.dataset.step }));
  }
  $("where").tabIndex = -1;
  refresh(true);
  setInterval(() => refresh(false), 700);
})();

// Block Kit, drawn as Slack draws it, for the sandbox page: messages, modals and App Home tabs. Every block and
// element policybot uses is drawn; one this file does not know is shown as a visible placeholder, never dropped.
"use strict";

const BlockKit = (() => {
  let serial = 0;

  // The emoji policybot uses, as Slack shows them; any other :shortcode: stays as typed.
  const EMOJI = { warning: "⚠️", white_check_mark: "✅", rotating_light: "🚨", raising_hand: "🙋", no_entry: "⛔", alarm_clock: "⏰", hourglass_flowing_sand: "⏳" };

  function escapeHtml(text) {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // Slack's mrkdwn: mentions shown as names, links, *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes.
  function mrkdwn(text, names) {
    let html = escapeHtml(text);
    html = html.replace(/&lt;@([UW][A-Z0-9]+)(?:\|[^&]*)?&gt;/g, (_, id) => `<span class="mention">@${escapeHtml(names[id] || id)}</span>`);
    html = html.replace(/&lt;#(C[A-Z0-9]+)(?:\|([^&]*))?&gt;/g, (_, id, name) => `<span class="mention">#${escapeHtml(name || id)}</span>`);
    html = html.replace(/&lt;!date\^(\d+)\^[^|&]*\|([^&]*)&gt;/g, (_, ts) => escapeHtml(new Date(Number(ts) * 1000).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })));
    html = html.replace(/&lt;!(here|channel|everyone)&gt;/g, (_, who) => `<span class="mention">@${who}</span>`);
    html = html.replace(/&lt;(https?:\/\/[^|&]+?)\|([^&]+?)&gt;/g, (_, url, label) => `<a href="${url}" rel="noopener noreferrer" target="_blank">${label}</a>`);
    html = html.replace(/&lt;(https?:\/\/[^&]+?)&gt;/g, (_, url) => `<a href="${url}" rel="noopener noreferrer" target="_blank">${url}</a>`);
    html = html.replace(/```([\s\S]+?)```/g, (_, code) => `<pre>${code}</pre>`);
    html = html.replace(/`([^`\n]+)`/g, (_, code) => `<code>${code}</code>`);
    html = html.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, "$1<strong>$2</strong>");
    html = html.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, "$1<em>$2</em>");
    html = html.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, "$1<del>$2</del>");
    html = html.replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>");
    return emoji(html).replace(/\n/g, "<br>");
  }

  // Emoji only in the text, never inside a tag's attributes (a link's address may hold ":word:").
  function emoji(html) {
    return html.replace(/(<[^>]*>)|:([a-z0-9_+-]+):/g, (whole, tag, name) =>
      tag || !EMOJI[name] ? whole : `<span role="img" aria-label="${name.replace(/_/g, " ")}">${EMOJI[name]}</span>`);
  }

  // Plain text shows emoji as Slack does, unless the text says emoji: false (what staff typed, shown exactly).
  function textHtml(text, names) {
    if (!text) return "";
    if (text.type === "mrkdwn") return mrkdwn(text.text, names);
    return text.emoji === false ? escapeHtml(text.text) : emoji(escapeHtml(text.text));
  }

  function el(tag, attrs = {}, html) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    if (html !== undefined) node.innerHTML = html;
    return node;
  }

  function unknown(what, type) {
    return el("div", { class: "unknown", role: "note" }, `The sandbox cannot draw this ${escapeHtml(what)}: <code>${escapeHtml(type)}</code>`);
  }

  // --- blocks ------------------------------------------------------------------------------------------------

  function render(blocks, ctx) {
    const root = el("div", { class: "blocks" });
    for (const block of blocks || []) root.appendChild(renderBlock(block, ctx));
    return root;
  }

  function renderBlock(block, ctx) {
    const names = ctx.names;
    switch (block.type) {
      case "header":
        return el("div", { class: "block header", role: "heading", "aria-level": "3" }, textHtml(block.text, names));
      case "divider":
        return el("hr", { class: "block divider" });
      case "context": {
        const node = el("div", { class: "block context" });
        for (const item of block.elements || []) {
          if (item.type === "image") node.appendChild(el("img", { src: item.image_url, alt: item.alt_text || "" }));
          else node.appendChild(el("span", {}, textHtml(item, names)));
        }
        return node;
      }
      case "section": {
        const node = el("div", { class: "block section" });
        const body = el("div", { class: "section-body" });
        if (block.text) body.appendChild(el("div", { class: "section-text" }, textHtml(block.text, names)));
        if (block.fields) {
          const fields = el("div", { class: "fields" });
          for (const field of block.fields) fields.appendChild(el("div", { class: "field" }, textHtml(field, names)));
          body.appendChild(fields);
        }
        node.appendChild(body);
        if (block.accessory) node.appendChild(renderElement(block.accessory, block, ctx, false));
        return node;
      }
      case "actions": {
        const node = el("div", { class: "block actions", role: "group" });
        for (const element of block.elements || []) node.appendChild(renderElement(element, block, ctx, false));
        return node;
      }
      case "input":
        return renderInput(block, ctx);
      case "image":
        return el("img", { class: "block image", src: block.image_url, alt: block.alt_text || "" });
      default:
        return unknown("block", block.type);
    }
  }

  function renderInput(block, ctx) {
    const id = `f${++serial}`;
    const node = el("div", { class: "block input", "data-block-id": block.block_id });
    const control = renderElement(block.element, block, ctx, true, id);
    // A text box or a select is labelled by <label for>; a group of radio buttons or checkboxes by aria-labelledby.
    const labelable = control.matches("input,select,textarea");
    const label = el(labelable ? "label" : "div", { for: labelable ? id : undefined, id: `${id}-label`, class: "input-label" }, escapeHtml(block.label?.text || ""));
    if (!labelable) control.setAttribute("aria-labelledby", `${id}-label`);
    if (block.optional) label.appendChild(el("span", { class: "muted" }, " (optional)"));
    node.appendChild(label);
    node.appendChild(control);
    const described = [];
    if (block.hint) {
      node.appendChild(el("div", { class: "hint", id: `${id}-hint` }, textHtml(block.hint, ctx.names)));
      described.push(`${id}-hint`);
    }
    const error = (ctx.errors || {})[block.block_id];
    if (error) {
      node.classList.add("has-error");
      node.appendChild(el("div", { class: "field-error", id: `${id}-error`, role: "alert" }, escapeHtml(error)));
      described.unshift(`${id}-error`);
      control.setAttribute("aria-invalid", "true");
    }
    if (described.length) control.setAttribute("aria-describedby", described.join(" "));
    return node;
  }

  // --- elements ----------------------------------------------------------------------------------------------

  function option(o) {
    return { text: o.text, value: o.value };
  }

  function renderElement(element, block, ctx, inInput, id) {
    const tag = (node) => {
      node.dataset.blockId = block.block_id || "";
      node.dataset.actionId = element.action_id || "";
      node.dataset.type = element.type;
      return node;
    };
    const act = (action) => ctx.onAction({ block_id: block.block_id || "", action_id: element.action_id || "", type: element.type, ...action });
    switch (element.type) {
      case "button": {
        const styles = { primary: "primary", danger: "danger" };
        const button = tag(el("button", { type: "button", class: `button ${styles[element.style] || ""}` }, escapeHtml(element.text?.text || "")));
        button.addEventListener("click", async () => {
          if (element.confirm && !(await ctx.confirm(element.confirm))) return;
          act({ value: element.value, text: element.text });
        });
        return button;
      }
      case "static_select": {
        const select = tag(el("select", { id, class: "select" }));
        select.appendChild(el("option", { value: "" }, escapeHtml(element.placeholder?.text || "Choose…")));
        const groups = element.option_groups || [{ options: element.options || [] }];
        for (const group of groups) {
          const parent = group.label ? select.appendChild(el("optgroup", { label: group.label.text })) : select;
          for (const o of group.options) {
            const chosen = element.initial_option && element.initial_option.value === o.value;
            parent.appendChild(el("option", { value: o.value, selected: chosen }, escapeHtml(o.text.text)));
          }
        }
        select._options = groups.flatMap((g) => g.options);
        if (!inInput) select.addEventListener("change", () => act({ selected_option: stateOf(select).selected_option }));
        return select;
      }
      case "users_select": {
        const select = tag(el("select", { id, class: "select" }));
        select.appendChild(el("option", { value: "" }, escapeHtml(element.placeholder?.text || "Choose a person…")));
        for (const person of ctx.people) {
          select.appendChild(el("option", { value: person.id, selected: element.initial_user === person.id }, escapeHtml(person.name)));
        }
        if (!inInput) select.addEventListener("change", () => act({ selected_user: select.value || null }));
        return select;
      }
      case "radio_buttons":
      case "checkboxes": {
        const kind = element.type === "radio_buttons" ? "radio" : "checkbox";
        const set = tag(el("div", { class: "choices", role: kind === "radio" ? "radiogroup" : "group", id }));
        const name = `g${++serial}`;
        const initial = new Set([element.initial_option?.value, ...(element.initial_options || []).map((o) => o.value)]);
        for (const o of element.options || []) {
          const oid = `o${++serial}`;
          const row = el("div", { class: "choice" });
          const input = el("input", { type: kind, id: oid, name, value: o.value, checked: initial.has(o.value) });
          row.appendChild(input);
          const label = el("label", { for: oid }, textHtml(o.text, ctx.names));
          if (o.description) label.appendChild(el("span", { class: "hint" }, " " + textHtml(o.description, ctx.names)));
          row.appendChild(label);
          set.appendChild(row);
        }
        set._options = element.options || [];
        return set;
      }
      case "plain_text_input": {
        const attrs = { id, class: "text", maxlength: element.max_length, placeholder: element.placeholder?.text };
        const input = tag(element.multiline ? el("textarea", { ...attrs, rows: 4 }) : el("input", { ...attrs, type: "text" }));
        if (element.initial_value) input.value = element.initial_value;
        return input;
      }
      case "number_input": {
        const input = tag(el("input", { id, class: "text", type: "number", step: element.is_decimal_allowed ? "any" : "1", min: element.min_value, max: element.max_value }));
        if (element.initial_value) input.value = element.initial_value;
        return input;
      }
      case "datepicker": {
        const input = tag(el("input", { id, class: "text", type: "date" }));
        if (element.initial_date) input.value = element.initial_date;
        if (!inInput) input.addEventListener("change", () => act({ selected_date: input.value || null }));
        return input;
      }
      default: {
        const node = tag(unknown("element", element.type));
        node.dataset.unknown = "true";
        return node;
      }
    }
  }

  // The state of one input, as Slack puts it in view.state.values.
  function stateOf(node) {
    const type = node.dataset.type;
    switch (type) {
      case "plain_text_input":
        return { type, value: node.value === "" ? null : node.value };
      case "number_input":
        return { type, value: node.value === "" ? null : node.value };
      case "datepicker":
        return { type, selected_date: node.value || null };
      case "users_select":
        return { type, selected_user: node.value || null };
      case "static_select": {
        const chosen = (node._options || []).find((o) => o.value === node.value);
        return { type, selected_option: chosen ? option(chosen) : null };
      }
      case "radio_buttons": {
        const checked = node.querySelector("input:checked");
        const chosen = checked && (node._options || []).find((o) => o.value === checked.value);
        return { type, selected_option: chosen ? option(chosen) : null };
      }
      case "checkboxes": {
        const values = [...node.querySelectorAll("input:checked")].map((i) => i.value);
        return { type, selected_options: (node._options || []).filter((o) => values.includes(o.value)).map(option) };
      }
      default:
        return { type };
    }
  }

  function collectState(root) {
    const values = {};
    for (const node of root.querySelectorAll(".block.input [data-action-id]")) {
      if (node.dataset.unknown) continue;
      const block = node.dataset.blockId;
      values[block] = values[block] || {};
      values[block][node.dataset.actionId] = stateOf(node);
    }
    return values;
  }

  // What a person typed and chose, put back after a redraw of the same modal (a field error, a views.update): Slack
  // keeps every input's value for as long as its block and action ids stay the same.
  function applyState(root, values) {
    for (const node of root.querySelectorAll(".block.input [data-action-id]")) {
      const state = (values[node.dataset.blockId] || {})[node.dataset.actionId];
      if (!state || node.dataset.unknown) continue;
      switch (state.type) {
        case "plain_text_input":
        case "number_input":
          node.value = state.value ?? "";
          break;
        case "datepicker":
          node.value = state.selected_date || "";
          break;
        case "users_select":
          node.value = state.selected_user || "";
          break;
        case "static_select":
          node.value = state.selected_option?.value || "";
          break;
        case "radio_buttons":
        case "checkboxes": {
          const chosen = new Set(state.selected_option ? [state.selected_option.value] : (state.selected_options || []).map((o) => o.value));
          for (const input of node.querySelectorAll("input")) input.checked = chosen.has(input.value);
          break;
        }
        default:
      }
    }
  }

  return { render, collectState, applyState, mrkdwn, escapeHtml };
})();

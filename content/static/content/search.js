// /search/: readers search in their browser against the index the publisher
// writes (the publisher.search package), read by the publisher's search-index.js.
const BASE = "/search/index/";
const PAGE = 20;
const FILTERS = ["kind", "section", "year"];

const form = document.querySelector("[data-search-form]");
const input = form.querySelector("input[name=q]");
const filterBox = form.querySelector("[data-filters]");
const selects = Object.fromEntries(FILTERS.map((name) => [name, form.querySelector(`[data-filter=${name}]`)]));
const statusLine = document.querySelector("[data-status]");
const list = document.querySelector("[data-results]");
const moreWrap = document.querySelector("[data-more-wrap]");
const moreButton = document.querySelector("[data-more]");

let loading = null;
let current = { results: [], shown: 0, run: 0 };

function searchIndex() {
  // Loaded on the first search only: readers who never search download nothing.
  loading ??= import(form.dataset.searchIndex).then(({ openIndex }) => openIndex(BASE));
  return loading;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The index marks the words found with <mark>; everything else in an excerpt
// is the item's text and is shown as text, never as markup.
function excerptHtml(excerpt) {
  const body = new DOMParser().parseFromString(excerpt, "text/html").body;
  let out = "";
  for (const node of body.childNodes) {
    const text = escapeHtml(node.textContent);
    out += node.nodeName === "MARK" ? `<mark>${text}</mark>` : text;
  }
  return out;
}

function formatDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-US", {
    year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
  });
}

function chosenFilters() {
  const filters = {};
  for (const name of FILTERS) {
    if (selects[name].value) filters[name] = selects[name].value;
  }
  return filters;
}

function fillFilters(counts) {
  for (const name of FILTERS) {
    const select = selects[name];
    const chosen = select.value;
    const values = Object.entries(counts[name] || {}).filter(([value, n]) => n > 0 || value === chosen);
    values.sort(([a], [b]) => (name === "year" ? b.localeCompare(a) : a.localeCompare(b)));
    select.length = 1;
    for (const [value, n] of values) {
      select.add(new Option(`${value} (${n})`, value, false, value === chosen));
    }
    select.closest("label").hidden = values.length === 0 && !chosen;
  }
}

function shareableUrl(query, filters) {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  for (const [name, value] of Object.entries(filters)) params.set(name, value);
  const search = params.toString();
  return search ? `?${search}` : location.pathname;
}

async function showMore(run) {
  const slice = current.results.slice(current.shown, current.shown + PAGE);
  const items = await Promise.all(slice.map((result) => result.data()));
  if (run !== current.run) return;
  for (const item of items) {
    if (item === null) continue; // its shard was re-indexed since: gone from this list
    const li = document.createElement("li");
    li.className = "search-result";
    const kind = item.meta.kind || "";
    const date = item.meta.date ? `<time datetime="${escapeHtml(item.meta.date)}">${escapeHtml(formatDate(item.meta.date))}</time>` : "";
    li.innerHTML =
      `<p class="kicker">${escapeHtml(kind)}</p>` +
      `<h2 class="teaser-headline"><a href="${escapeHtml(item.url)}">${escapeHtml(item.meta.title || item.url)}</a></h2>` +
      `<p class="meta">${date}</p>` +
      `<p class="search-excerpt">${excerptHtml(item.excerpt || "")}</p>`;
    list.append(li);
  }
  current.shown += slice.length;
  moreWrap.hidden = current.shown >= current.results.length;
}

async function search(query, filters) {
  const run = ++current.run;
  list.replaceChildren();
  moreWrap.hidden = true;
  if (!query) {
    statusLine.textContent = "";
    filterBox.hidden = true;
    return;
  }
  statusLine.textContent = `Searching for “${query}”…`;
  let found;
  try {
    const index = await searchIndex();
    found = await index.search(query, filters);
  } catch (error) {
    loading = null; // the next search tries again
    if (run === current.run) statusLine.textContent = "Search is not available right now. Please try again later.";
    console.error(error);
    return;
  }
  if (run !== current.run) return;
  current = { results: found.results, shown: 0, run };
  fillFilters(found.filters || {});
  filterBox.hidden = false;
  await showMore(run);
  if (run !== current.run) return;
  // Announced (aria-live) once the results are on the page.
  const n = current.results.length;
  const narrowed = Object.keys(filters).length ? " with these filters" : "";
  // A long query is searched for by its first words only: say so.
  const left = found.left?.length
    ? ` Only its first ${found.searched} words were searched for.`
    : "";
  statusLine.textContent = (n
    ? `${n.toLocaleString("en-US")} result${n === 1 ? "" : "s"} for “${query}”${narrowed}.`
    : `No results for “${query}”${narrowed}. Try fewer or different words.`) + left;
}

function fromLocation() {
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  for (const name of FILTERS) {
    const value = params.get(name) || "";
    if (value && ![...selects[name].options].some((o) => o.value === value)) {
      selects[name].add(new Option(value, value));
    }
    selects[name].value = value;
  }
  return search(input.value.trim(), chosenFilters());
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = input.value.trim();
  const filters = chosenFilters();
  history.pushState(null, "", shareableUrl(query, filters));
  search(query, filters);
});
for (const name of FILTERS) {
  selects[name].addEventListener("change", () => form.requestSubmit());
}
moreButton.addEventListener("click", () => showMore(current.run));
window.addEventListener("popstate", fromLocation);
fromLocation();

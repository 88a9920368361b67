// Reads the search index publisher/searchindex.py writes (its docstring
// describes the files) and searches it in the reader's browser.
//
//   const index = await openIndex("/search/index/");
//   const { results, filters } = await index.search("smith obituary", { kind: "Obituary" });
//   const shown = await results[0].data();  // { url, meta: { title, kind, date }, excerpt }
//
// A search reads shards.json, then per shard only the bucket of words each
// term can be in; the shards that have results give their dates and filter
// values (docs.idx); a result's text (for its excerpt) is fetched when shown.

const EXCERPT_WORDS = 24;
const WORD = /[\p{L}\p{N}]+/gu;

async function unpack(response) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  // gzip, unless something on the way unpacked it already.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }
  return JSON.parse(new TextDecoder().decode(bytes));
}

class Missing extends Error {}

function fold(word) {
  const lower = word.toLowerCase();
  return /^[\x00-\x7f]*$/.test(lower) ? lower : lower.normalize("NFKD").replace(/\p{M}/gu, "");
}

// The bucket of a word: FNV-1a (32 bits) of its first letters' code points,
// as publisher.searchindex.bucket_of computes it.
function bucketOf(word, prefix, buckets) {
  let h = 0x811c9dc5;
  for (const char of [...word].slice(0, prefix)) {
    h = Math.imul(h ^ char.codePointAt(0), 0x01000193) >>> 0;
  }
  return h % buckets;
}

// A term and the forms of it a reader means too ("cities": "city", and
// "city": "cities"; "fire" finds "fires" as the start of a word).
function variants(term) {
  const forms = [term];
  if (term.length > 3 && /[^aeiou]y$/.test(term)) forms.push(`${term.slice(0, -1)}ies`);
  else if (term.length > 4 && term.endsWith("ies")) forms.push(`${term.slice(0, -3)}y`);
  else if (term.length > 4 && term.endsWith("es")) forms.push(term.slice(0, -2), term.slice(0, -1));
  else if (term.length > 3 && term.endsWith("s") && !term.endsWith("ss")) forms.push(term.slice(0, -1));
  return forms;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function openIndex(base) {
  let manifest = null;
  const files = new Map();

  async function load() {
    const response = await fetch(`${base}shards.json`, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${base}shards.json: ${response.status}`);
    manifest = await response.json();
  }

  // Each file once per page (they never change under their name); a
  // failed fetch is forgotten, so the next search tries it again.
  function get(url) {
    if (!files.has(url)) {
      const loading = fetch(url).then((response) => {
        if (response.status === 404) throw new Missing(url);
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        return unpack(response);
      });
      loading.catch(() => files.delete(url));
      files.set(url, loading);
    }
    return files.get(url);
  }

  // A file of a shard's current folder.
  function file(shard, name) {
    return get(`${base}${shard.name}/${shard.version}/${name}`);
  }

  function terms(query) {
    const stop = new Set(manifest.stopwords);
    const seen = new Set();
    const out = [];
    for (const raw of query.match(WORD) || []) {
      const term = fold(raw);
      if (stop.has(term) || seen.has(term)) continue;
      seen.add(term);
      out.push(variants(term));
    }
    return out;
  }

  function matches(word, forms) {
    for (const form of forms) {
      if (word === form) return 1;
      if (form.length >= manifest.prefix && word.startsWith(form)) return 0.8;
    }
    return 0;
  }

  // doc -> score of one term in one shard.
  async function scores(shard, forms) {
    const bucket = await file(shard, `w${bucketOf(forms[0], manifest.prefix, shard.buckets)}.idx`);
    const found = new Map();
    for (const [word, entry] of Object.entries(bucket)) {
      const factor = matches(word, forms);
      if (!factor) continue;
      // (gap << 6) | weight, as publisher.searchindex writes them.
      let doc = 0;
      for (const posting of entry) {
        doc += Math.floor(posting / 64);
        const score = (posting % 64) * factor;
        if (score > (found.get(doc) || 0)) found.set(doc, score);
      }
    }
    return found;
  }

  async function searchShard(shard, wanted, chosen) {
    const perTerm = await Promise.all(wanted.map((forms) => scores(shard, forms)));
    perTerm.sort((a, b) => a.size - b.size);
    const hits = [];
    for (const [doc, first] of perTerm[0]) {
      let score = first;
      for (const other of perTerm.slice(1)) {
        const more = other.get(doc);
        if (more === undefined) { score = -1; break; }
        score += more;
      }
      if (score >= 0) hits.push([doc, score]);
    }
    if (!hits.length) return [];
    const docs = await file(shard, "docs.idx");
    const names = Object.keys(docs.filters).sort();
    const out = [];
    for (const [doc, score] of hits) {
      const [date, values] = docs.docs[doc];
      const meta = {};
      names.forEach((name, i) => {
        if (values[i] >= 0) meta[name] = docs.filters[name][values[i]];
      });
      if (Object.entries(chosen).some(([name, value]) => meta[name] !== value)) continue;
      out.push({ shard, doc, score, date, filters: meta });
    }
    return out;
  }

  function excerpt(text, wanted) {
    const words = text.split(/\s+/).filter(Boolean);
    const hit = (word) => {
      const folded = (word.match(WORD) || []).map(fold);
      return folded.some((part) => wanted.some((forms) => matches(part, forms)));
    };
    let first = words.findIndex(hit);
    if (first < 0) first = 0;
    const start = Math.max(0, Math.min(first - 4, words.length - EXCERPT_WORDS));
    const shown = words.slice(start, start + EXCERPT_WORDS).map((word) => {
      const safe = escapeHtml(word);
      return hit(word) ? `<mark>${safe}</mark>` : safe;
    });
    return `${start > 0 ? "… " : ""}${shown.join(" ")}${start + EXCERPT_WORDS < words.length ? " …" : ""}`;
  }

  function result(hit, wanted) {
    return {
      score: hit.score,
      date: hit.date,
      filters: hit.filters,
      // null: publishing replaced its shard since the search (search again).
      async data() {
        const group = Math.floor(hit.doc / manifest.group);
        let texts;
        try {
          const { texts: names } = await file(hit.shard, "docs.idx");
          texts = await get(`${base}${hit.shard.name}/${names[group]}`);
        } catch (error) {
          if (error instanceof Missing) return null;
          throw error;
        }
        const [url, title, kind, date, text] = texts[hit.doc % manifest.group];
        return { url, meta: { title, kind, date }, excerpt: excerpt(text, wanted) };
      },
    };
  }

  async function run(query, chosen) {
    const wanted = terms(query);
    if (!wanted.length) return { results: [], filters: {} };
    const found = (await Promise.all(manifest.shards.map((shard) => searchShard(shard, wanted, chosen)))).flat();
    // Best first; among equals, newest first.
    found.sort((a, b) =>
      b.score - a.score || b.date.localeCompare(a.date) ||
      b.shard.name.localeCompare(a.shard.name) || b.doc - a.doc);
    const counts = {};
    for (const hit of found) {
      for (const [name, value] of Object.entries(hit.filters)) {
        counts[name] ??= {};
        counts[name][value] = (counts[name][value] || 0) + 1;
      }
    }
    return { results: found.map((hit) => result(hit, wanted)), filters: counts };
  }

  return {
    // Each search reads shards.json again (a revalidation: 304 while nothing
    // was published), so a reader who stays on the page finds what was
    // published since; files already fetched are named by their content.
    async search(query, filters = {}) {
      await load();
      try {
        return await run(query, filters);
      } catch (error) {
        if (!(error instanceof Missing)) throw error;
        // Publishing replaced a shard since shards.json was read: read it again.
        await load();
        return run(query, filters);
      }
    },
  };
}

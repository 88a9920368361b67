// Reads the search index publisher/searchindex.py writes (its docstring
// describes the files) and searches it in the reader's browser.
//
//   const index = await openIndex("/search/index/");
//   const { results, filters, left } = await index.search("smith obituary", { kind: "Obituary" });
//   const shown = await results[0].data();  // { url, meta: { title, kind, date }, excerpt }
//   // searched: how many of the query's words were searched for (at most
//   // MAX_TERMS); left: the words after those, not searched for
//
// A search reads shards.json, then the archive's directory of words
// (words.idx: the first word of each of its pages) and the pages its first
// term can be on, then the next term's, and so on while items with every
// term so far are left (a term nothing has ends the search there); and, the
// same, per newer shard the bucket of words each term can be in, then the
// shard's dates and filter values (docs.idx) if it has results. A shard
// listed beside the archive replaces its part of the archive. A result's
// text (for its excerpt) is fetched when shown. Only the first MAX_TERMS
// words of a query are searched for.

const EXCERPT_WORDS = 24;
export const MAX_TERMS = 10;
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

// Text as the index keeps its words: lower case, decomposed (NFKD), marks
// dropped, before it is cut into words (publisher.searchindex.fold), so an
// accent typed as a mark of its own leaves the word whole.
function fold(text) {
  const lower = text.toLowerCase();
  return /^[\x00-\x7f]*$/.test(lower) ? lower : lower.normalize("NFKD").replace(/\p{M}/gu, "");
}

function wordsOf(text) {
  return fold(text).match(WORD) || [];
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

// Code point order, as Python sorts words (JavaScript's < compares UTF-16
// code units, which differ for characters outside the Basic Multilingual Plane).
function compare(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

// The last entry of a sorted list whose key is at most ``key`` (its index; 0 if none).
function lastAtMost(list, key, cmp) {
  let low = 0;
  let high = list.length - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (cmp(list[mid], key) <= 0) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

// A term as typed, and its other number, which is found only as a whole
// word: "fires" finds "fires", "firestorm" and "fire", never "first";
// "city" finds "city", "citywide" and "cities"; "boxes": "box".
function variants(term) {
  const whole = [];
  if (term.length > 3 && /[^aeiou]y$/.test(term)) whole.push(`${term.slice(0, -1)}ies`);
  else if (term.length > 4 && term.endsWith("ies")) whole.push(`${term.slice(0, -3)}y`);
  else if (term.length > 3 && term.endsWith("s") && !term.endsWith("ss")) {
    whole.push(term.slice(0, -1));
    if (term.length > 4 && /(?:s|x|z|ch|sh|o)es$/.test(term)) whole.push(term.slice(0, -2));
  }
  return { term, whole };
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

  // A file of the archive's current folder.
  function archiveFile(name) {
    return get(`${base}archive/${manifest.archive.version}/${name}`);
  }

  // The query's terms (the first MAX_TERMS), and the words left out.
  function terms(query) {
    const stop = new Set(manifest.stopwords);
    const seen = new Set();
    const wanted = [];
    const left = [];
    for (const term of wordsOf(query)) {
      if (stop.has(term) || seen.has(term)) continue;
      seen.add(term);
      if (wanted.length < MAX_TERMS) wanted.push(variants(term));
      else left.push(term);
    }
    return { wanted, left };
  }

  function matches(word, forms) {
    if (word === forms.term || forms.whole.includes(word)) return 1;
    if (forms.term.length >= manifest.prefix && word.startsWith(forms.term)) return 0.8;
    return 0;
  }

  // doc -> the best score of a term's words in these files of words. A
  // posting is (code << 6) | weight; ``step`` reads a code, and returns
  // its doc from the one before.
  function scoresIn(files, forms, step) {
    const found = new Map();
    for (const [word, entry] of files.flatMap((words) => Object.entries(words))) {
      const factor = matches(word, forms);
      if (!factor) continue;
      let doc = 0;
      for (const posting of entry) {
        doc = step(doc, Math.floor(posting / 64));
        const score = (posting % 64) * factor;
        if (score > (found.get(doc) || 0)) found.set(doc, score);
      }
    }
    return found;
  }

  // doc -> score of one term in one shard.
  async function scores(shard, forms) {
    // The buckets of the term and of its other number ("fly", "flies").
    const numbers = new Set([forms.term, ...forms.whole].map((form) => bucketOf(form, manifest.prefix, shard.buckets)));
    const buckets = await Promise.all([...numbers].map((n) => file(shard, `w${n}.idx`)));
    // A code is the gap from the doc before, as publisher.searchindex writes them.
    return scoresIn(buckets, forms, (doc, gap) => doc + gap);
  }

  // The items with every term (doc -> summed score). Term by term: a term
  // no item has (with the ones before) ends it, and the next terms' words
  // are never fetched.
  async function everyTerm(wanted, scoresOf) {
    let hits = null;
    for (const forms of wanted) {
      const found = await scoresOf(forms);
      if (hits === null) hits = found;
      else {
        const both = new Map();
        for (const [doc, score] of hits) {
          const more = found.get(doc);
          if (more !== undefined) both.set(doc, score + more);
        }
        hits = both;
      }
      if (!hits.size) break;
    }
    return hits;
  }

  // The archive's pages a term's words can be on: the page of the term and
  // of its other number, and those after it whose first word it begins.
  function pagesOf(pages, forms) {
    const numbers = new Set([forms.term, ...forms.whole].map((form) => lastAtMost(pages, form, compare)));
    if (forms.term.length >= manifest.prefix) {
      for (let n = lastAtMost(pages, forms.term, compare) + 1; n < pages.length && pages[n].startsWith(forms.term); n++) {
        numbers.add(n);
      }
    }
    return [...numbers];
  }

  // doc -> score of one term in the archive; each doc's filter values
  // (its combination's number) go in ``combos``.
  async function archiveScores(directory, forms, combos) {
    const pages = await Promise.all(pagesOf(directory.pages, forms).map((n) => archiveFile(`p${n}.idx`)));
    const count = Math.max(1, directory.combos.length);
    // A code is gap * combos + combo, as publisher.searchindex.merge_archive writes them.
    return scoresIn(pages, forms, (before, code) => {
      const doc = before + Math.floor(code / count);
      combos.set(doc, code % count);
      return doc;
    });
  }

  async function searchArchive(wanted, chosen) {
    if (!manifest.archive) return [];
    const directory = await archiveFile("words.idx");
    const combos = new Map();
    const hits = await everyTerm(wanted, (forms) => archiveScores(directory, forms, combos));
    // The shards listed beside the archive replace their part of it.
    const replaced = new Set(manifest.shards.map((shard) => shard.name));
    const out = [];
    for (const [doc, score] of hits) {
      const [name, first, group] = directory.shards[lastAtMost(directory.shards, doc, (entry, key) => entry[1] - key)];
      if (replaced.has(name)) continue;
      const meta = {};
      directory.combo.forEach((filter, i) => {
        const value = directory.combos[combos.get(doc)][i];
        if (value >= 0) meta[filter] = directory.filters[filter][value];
      });
      for (const [filter, runs] of Object.entries(directory.runs)) {
        const value = runs[lastAtMost(runs, doc, (run, key) => run[0] - key)][1];
        if (value >= 0) meta[filter] = directory.filters[filter][value];
      }
      if (Object.entries(chosen).some(([filter, value]) => meta[filter] !== value)) continue;
      const local = doc - first;
      const text = `t${group + Math.floor(local / manifest.group)}.idx`;
      out.push({ shard: { name }, doc: local, score, date: null, filters: meta, text });
    }
    return out;
  }

  async function searchShard(shard, wanted, chosen) {
    if (!shard.version) return []; // nothing left of its part of the archive
    const hits = await everyTerm(wanted, (forms) => scores(shard, forms));
    if (!hits.size) return [];
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
    const hit = (word) => wordsOf(word).some((part) => wanted.some((forms) => matches(part, forms)));
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
          if (hit.text) texts = await archiveFile(hit.text);
          else {
            const { texts: names } = await file(hit.shard, "docs.idx");
            texts = await get(`${base}${hit.shard.name}/${names[group]}`);
          }
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
    const { wanted, left } = terms(query);
    if (!wanted.length) return { results: [], filters: {}, searched: 0, left };
    const found = (await Promise.all([
      searchArchive(wanted, chosen),
      ...manifest.shards.map((shard) => searchShard(shard, wanted, chosen)),
    ])).flat();
    // Best first; among equals, newest first (shards are named by their
    // dates, and numbered oldest first within).
    found.sort((a, b) => b.score - a.score || b.shard.name.localeCompare(a.shard.name) || b.doc - a.doc);
    const counts = {};
    for (const hit of found) {
      for (const [name, value] of Object.entries(hit.filters)) {
        counts[name] ??= {};
        counts[name][value] = (counts[name][value] || 0) + 1;
      }
    }
    return { results: found.map((hit) => result(hit, wanted)), filters: counts, searched: wanted.length, left };
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

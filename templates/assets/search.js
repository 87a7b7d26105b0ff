/* The search page of a digest site: an offline index, loaded as classic scripts.
 *
 * Pages open from disk (file://), where fetch, ES modules, wasm and workers are blocked. The
 * index (written by digest/search.py; its docstring describes the files) is therefore a set of
 * classic scripts that call the global DigestSearch: search/meta.js first, then the term shards
 * a query needs (one from each segment of the documents), then the document blocks of its top
 * results. Each file is loaded once.
 *
 * The tokeniser here must give exactly the tokens of digest/search.py's `tokenize` (a browser
 * test compares them): NFKD, combining marks dropped, lower case, final sigma as σ, the fold
 * table (ł → l, ß → ss); runs of letters and digits; CJK stretches as overlapping bigrams (a
 * lone character as itself), other stretches as words, without stopwords, stemmed by `stem`.
 * Its parameters (CJK ranges, fold table, stopwords) come from meta.js.
 *
 * A query matches the papers that hold all its tokens, in any field. While the last word is
 * being typed (nothing follows it) and is not a term itself, it also matches the terms it
 * begins ("proxim" → proximal), from its own shards (words are sharded by their first three
 * letters), or else it is left out. Chinese is never left out: "手语识" is not a search for 手语.
 * A Chinese word needs two characters: a lone character matches only where it stands alone in
 * the text. Papers whose titles hold every token come first, then by the summed weights of the
 * fields matched, then newest first (the index numbers its documents oldest first). The first
 * ten results show as soon as their document blocks are in; a "Show more" button then loads and
 * appends twenty more at a time, up to every match.
 *
 * A result's snippet follows the reader's language (data-lang on <html>, set by site.js: en,
 * zh or both): the English summary in en, the Chinese one in zh, and they are rebuilt when the
 * reader switches.
 *
 * The page gives the index folder and the way back to the site root on #search-results
 * (data-index, data-root). Results are built with createElement and textContent only: titles
 * and summaries are untrusted text.
 */
(function () {
  "use strict";

  const FORMAT = 5; // the index version this script reads
  const FIRST_RESULTS = 10; // shown at once; the documents of the others load on request
  const MORE_RESULTS = 20; // added by each "Show more"
  const DEBOUNCE_MS = 120;
  const SNIPPET_LENGTH = 180; // UTF-16 units of summary or abstract shown around the first match
  const SNIPPET_BEFORE = 50;
  const PAGE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/; // a page path as digest writes them
  const CHINESE_RUN = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+/g; // as digest/parse/text.py CJK_RUN
  const MARKS = /\p{M}/gu;
  const ALNUM = /^[\p{L}\p{N}]$/u;
  const ASCII_WORD = /^[a-z]+$/;

  let meta = null;
  let indexBase = "search/";
  let rootBase = "";
  let stopwords = new Set();
  let titleBit = 8;
  let folds = {};
  const digitOf = new Int8Array(128).fill(-1);
  const termShards = new Map(); // "segment/shard" → {term: postings}
  const docBlocks = new Map(); // block number → [[page, title, ...], ...]
  const loading = new Map(); // url → Promise
  const decoded = new Map(); // term → {docs: Int32Array, masks: Uint8Array}
  const foldCache = new Map();
  const alnumCache = new Map();

  class LoadError extends Error {
    constructor(file) {
      super("could not load " + file);
      this.file = file;
    }
  }

  /* ---- tokeniser ---- */

  function foldChar(ch) {
    const code = ch.charCodeAt(0);
    if (code < 128) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch;
    if (code >= 0x4e00 && code <= 0x9fff) return ch; // CJK unified ideographs fold to themselves
    let folded = foldCache.get(ch);
    if (folded === undefined) {
      folded = ch.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(/ς/g, "σ");
      if (/[^\x00-\x7f]/.test(folded)) folded = Array.from(folded, (c) => (has(folds, c) ? folds[c] : c)).join("");
      foldCache.set(ch, folded);
    }
    return folded;
  }

  function isAlnum(ch) {
    const code = ch.charCodeAt(0);
    if (code < 128) return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
    if (code >= 0x4e00 && code <= 0x9fff) return true;
    let yes = alnumCache.get(ch);
    if (yes === undefined) {
      yes = ALNUM.test(ch);
      alnumCache.set(ch, yes);
    }
    return yes;
  }

  function isCJK(ch) {
    const code = ch.codePointAt(0);
    if (code < 0x1100) return false;
    if (code >= 0x4e00 && code <= 0x9fff) return true;
    for (const range of meta.cjk) {
      if (code >= range[0] && code <= range[1]) return true;
    }
    return false;
  }

  /* The same rules as search.py's `stem`: plurals, then -ing/-ed (undoubling a final letter
   * other than l, s, z), or else a final e; only words of ASCII letters longer than three. */
  function stem(word) {
    if (word.length <= 3 || !ASCII_WORD.test(word)) return word;
    if (word.endsWith("ies") && word.length > 4) word = word.slice(0, -3) + "y";
    else if (word.endsWith("sses")) word = word.slice(0, -2);
    else if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) word = word.slice(0, -1);
    for (const suffix of ["ing", "ed"]) {
      if (word.endsWith(suffix) && word.length - suffix.length >= 3) {
        word = word.slice(0, -suffix.length);
        const last = word[word.length - 1];
        if (word.length >= 4 && last === word[word.length - 2] && "lsz".indexOf(last) < 0) word = word.slice(0, -1);
        return word;
      }
    }
    if (word.endsWith("e") && word.length >= 4) word = word.slice(0, -1);
    return word;
  }

  /* Tokens of `text` with the span [start, end) of original text (UTF-16 offsets) each covers:
   * {term, start, end, cjk, word}, where `word` is a word's folded form before stemming. A
   * character that folds to several (ß → ss, ﬁ → fi) gives each of them its own span, so a
   * token that begins or ends inside it still covers the whole original character. */
  function scan(text) {
    if (!meta) throw new Error("DigestSearch: the index's meta.js is not loaded yet");
    const chars = [];
    const starts = [];
    const ends = [];
    let offset = 0;
    for (const ch of text) {
      const folded = foldChar(ch);
      if (folded.length === 1) {
        chars.push(folded);
        starts.push(offset);
        ends.push(offset + ch.length);
      } else {
        for (const part of folded) {
          chars.push(part);
          starts.push(offset);
          ends.push(offset + ch.length);
        }
      }
      offset += ch.length;
    }
    const tokens = [];
    let at = 0;
    while (at < chars.length) {
      if (!isAlnum(chars[at])) {
        at++;
        continue;
      }
      let runEnd = at;
      while (runEnd < chars.length && isAlnum(chars[runEnd])) runEnd++;
      for (let start = at; start < runEnd; ) {
        const cjk = isCJK(chars[start]);
        let end = start + 1;
        while (end < runEnd && isCJK(chars[end]) === cjk) end++;
        if (!cjk) {
          const word = chars.slice(start, end).join("");
          if (!stopwords.has(word)) {
            tokens.push({ term: stem(word), start: starts[start], end: ends[end - 1], cjk: false, word: word });
          }
        } else if (end - start === 1) {
          tokens.push({ term: chars[start], start: starts[start], end: ends[start], cjk: true, word: "" });
        } else {
          for (let i = start; i < end - 1; i++) {
            tokens.push({ term: chars[i] + chars[i + 1], start: starts[i], end: ends[i + 1], cjk: true, word: "" });
          }
        }
        start = end;
      }
      at = runEnd;
    }
    return tokens;
  }

  /* ---- index files ---- */

  function fnv1a(text) {
    let hash = 0x811c9dc5;
    for (const ch of text) hash = Math.imul(hash ^ ch.codePointAt(0), 0x01000193);
    return hash >>> 0;
  }

  function shardOf(term, segment) {
    const key = isCJK(term) ? term : Array.from(term).slice(0, meta.keyLength).join("");
    return fnv1a(key) % meta.segments[segment][1];
  }

  function fileName(folder, number, count) {
    const width = Math.max(2, String(count - 1).length);
    return folder + "/" + String(number).padStart(width, "0") + ".js";
  }

  function loadScript(file) {
    let promise = loading.get(file);
    if (!promise) {
      promise = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = indexBase + file + (meta ? "?v=" + meta.hash : "");
        script.onload = () => {
          script.remove();
          resolve();
        };
        script.onerror = () => {
          script.remove();
          loading.delete(file); // a later query may try again
          reject(new LoadError(indexBase + file));
        };
        document.head.appendChild(script);
      });
      loading.set(file, promise);
    }
    return promise;
  }

  async function loadMeta() {
    if (meta) return meta;
    await loadScript("meta.js");
    if (!meta) throw new LoadError(indexBase + "meta.js");
    return meta;
  }

  async function loadShard(segment, number) {
    const key = segment + "/" + number;
    if (termShards.has(key)) return termShards.get(key);
    const file = fileName("t/" + segment, number, meta.segments[segment][1]);
    await loadScript(file);
    if (!termShards.has(key)) throw new LoadError(indexBase + file);
    return termShards.get(key);
  }

  /* The shards that may hold `term`, one from each segment, in order. */
  function loadShards(term) {
    return Promise.all(meta.segments.map((_, segment) => loadShard(segment, shardOf(term, segment))));
  }

  async function loadBlock(number) {
    if (docBlocks.has(number)) return docBlocks.get(number);
    const file = fileName("d", number, meta.blocks);
    await loadScript(file);
    if (!docBlocks.has(number)) throw new LoadError(indexBase + file);
    return docBlocks.get(number);
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  /* A term's posting list: in each segment's shard, base-32 numbers `(document - previous) * 16
   * + mask` counting from the segment's first document (see search.py). */
  function decode(term, shards) {
    let list = decoded.get(term);
    if (list) return list;
    const docs = [];
    const masks = [];
    let start = 0;
    shards.forEach((shard, segment) => {
      const text = has(shard, term) ? shard[term] : "";
      let number = 0;
      let doc = start;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        const digit = code < 128 ? digitOf[code] : -1;
        if (digit < 0) throw new Error("damaged posting list for " + JSON.stringify(term));
        number = number * 32 + (digit & 31);
        if (digit < 32) {
          doc += Math.floor(number / 16);
          docs.push(doc);
          masks.push(number % 16);
          number = 0;
        }
      }
      start += meta.segments[segment][0];
    });
    list = { docs: Int32Array.from(docs), masks: Uint8Array.from(masks) };
    decoded.set(term, list);
    return list;
  }

  /* ---- queries ---- */

  /* The query's tokens, each with the index terms it matches (its own, or for a half-typed last
   * word the terms it begins, or the stem it is on the way to: "learni" → learn). A last word
   * still being typed that matches nothing is left out while other tokens remain; a Chinese
   * token never is (its characters are all there: "手语识" is not "手语"). */
  async function plan(query) {
    const tokens = [];
    for (const token of scan(query)) {
      if (!tokens.some((t) => t.term === token.term)) tokens.push(token);
    }
    const last = tokens[tokens.length - 1];
    const open = last && last.end === query.length ? last : null;
    const found = await Promise.all(tokens.map((t) => loadShards(t.term)));
    const planned = [];
    tokens.forEach((token, index) => {
      const shards = found[index];
      let terms = shards.some((shard) => has(shard, token.term)) ? [token.term] : [];
      if (!terms.length && token === open && !token.cjk && token.word.length >= meta.keyLength) {
        const word = token.word;
        const begun = new Set();
        for (const shard of shards) {
          for (const t of Object.keys(shard)) {
            if (t.startsWith(word) || (word.startsWith(t) && t.length >= meta.keyLength && word.length - t.length <= 2)) {
              begun.add(t);
            }
          }
        }
        terms = [...begun];
      }
      if (!terms.length && token === open && !token.cjk && tokens.length > 1) return;
      planned.push({ token: token, terms: terms, shards: shards });
    });
    return planned;
  }

  /* Documents that match every planned token: all-title matches first, then by the summed
   * field weights (the masks), then by document number, highest first: newest first. */
  function rank(planned) {
    const lists = planned.map((p) => {
      if (p.terms.length === 1) return decode(p.terms[0], p.shards);
      const dense = new Uint8Array(meta.docs);
      for (const term of p.terms) {
        const list = decode(term, p.shards);
        for (let i = 0; i < list.docs.length; i++) dense[list.docs[i]] |= list.masks[i];
      }
      const docs = [];
      const masks = [];
      dense.forEach((mask, doc) => {
        if (mask) {
          docs.push(doc);
          masks.push(mask);
        }
      });
      return { docs: Int32Array.from(docs), masks: Uint8Array.from(masks) };
    });
    lists.sort((a, b) => a.docs.length - b.docs.length);
    if (!lists.length || !lists[0].docs.length) return [];
    const others = lists.slice(1).map((list) => {
      const dense = new Uint8Array(meta.docs);
      for (let i = 0; i < list.docs.length; i++) dense[list.docs[i]] = list.masks[i];
      return dense;
    });
    const found = [];
    const first = lists[0];
    candidates: for (let i = 0; i < first.docs.length; i++) {
      const doc = first.docs[i];
      let score = first.masks[i];
      let title = score & titleBit;
      for (const dense of others) {
        const mask = dense[doc];
        if (!mask) continue candidates;
        score += mask;
        title &= mask;
      }
      found.push({ doc: doc, rank: (title ? 1 << 20 : 0) + score });
    }
    found.sort((a, b) => b.rank - a.rank || b.doc - a.doc);
    return found;
  }

  /* ---- results ---- */

  function element(tag, className, lang) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (lang) el.lang = lang;
    return el;
  }

  /* Text into `parent`; inside an element that is not Chinese, runs of Chinese get their own
   * <span lang="zh-Hans">, as the site's pages do. */
  function appendText(parent, text, chinese) {
    if (!text) return;
    let at = 0;
    if (!chinese) {
      for (const match of text.matchAll(CHINESE_RUN)) {
        if (match.index > at) parent.appendChild(document.createTextNode(text.slice(at, match.index)));
        const span = element("span", "", "zh-Hans");
        span.textContent = match[0];
        parent.appendChild(span);
        at = match.index + match[0].length;
      }
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  /* Spans [start, end) of `text` whose tokens are among `terms`, merged where they overlap. */
  function matches(text, terms) {
    const spans = [];
    if (!terms.size || !text) return spans;
    for (const token of scan(text)) {
      if (!terms.has(token.term)) continue;
      const last = spans[spans.length - 1];
      if (last && token.start <= last[1]) last[1] = Math.max(last[1], token.end);
      else spans.push([token.start, token.end]);
    }
    return spans;
  }

  /* `text` into `parent` with the spans [start, end) wrapped in <mark>. */
  function appendMarked(parent, text, spans, chinese) {
    let at = 0;
    for (const [start, end] of spans) {
      appendText(parent, text.slice(at, start), chinese);
      const mark = element("mark");
      appendText(mark, text.slice(start, end), chinese);
      parent.appendChild(mark);
      at = end;
    }
    appendText(parent, text.slice(at), chinese);
  }

  /* About SNIPPET_LENGTH characters of `text` around its first match (or its start), with
   * `spans` moved to match: [excerpt, spans]. */
  function excerpt(text, spans) {
    if (text.length <= SNIPPET_LENGTH) return [text, spans];
    let start = Math.max(0, (spans.length ? spans[0][0] : 0) - SNIPPET_BEFORE);
    let end = Math.min(text.length, start + SNIPPET_LENGTH);
    start = Math.max(0, end - SNIPPET_LENGTH);
    if (start > 0) {
      const space = text.indexOf(" ", start);
      if (space >= 0 && space - start < 15 && !(spans.length && space >= spans[0][0])) start = space + 1;
      else if (/[\udc00-\udfff]/.test(text[start])) start++;
    }
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      if (space > start && end - space < 15) end = space;
      else if (/[\ud800-\udbff]/.test(text[end - 1])) end--;
    }
    const before = start > 0 ? "…" : "";
    const shift = before.length - start;
    const kept = spans
      .filter(([from, to]) => from >= start && to <= end)
      .map(([from, to]) => [from + shift, to + shift]);
    return [before + text.slice(start, end) + (end < text.length ? "…" : ""), kept];
  }

  /* The reader's language: en, zh or both (site.js keeps it on <html data-lang>). */
  function readerLanguage() {
    const lang = document.documentElement.getAttribute("data-lang");
    return lang === "en" || lang === "zh" ? lang : "both";
  }

  /* The snippet of a result in the reader's language: the English summary (or else the gist of
   * the English abstract) for en, the Chinese summary (or else the English) for zh, and for both
   * the Chinese summary or else the English; the gist, or the English summary, stands in when
   * only it has a match. [text, lang, spans, from the abstract] or null. */
  function snippetSource(doc, terms, lang) {
    const summaryZh = [doc[7], "zh-Hans"];
    const summaryEn = [doc[8], "en"];
    const gist = [doc[9], "en", true];
    let choices;
    if (lang === "en") choices = [summaryEn, gist];
    else if (lang === "zh") choices = summaryZh[0] ? [summaryZh] : [summaryEn, gist];
    else choices = [summaryZh, summaryEn, gist];
    choices = choices.filter((choice) => choice[0]);
    if (!choices.length) choices = [summaryZh, summaryEn, gist].filter((choice) => choice[0]);
    if (!choices.length) return null;
    for (const [text, textLang, fromAbstract] of choices) {
      const spans = matches(text, terms);
      if (spans.length) return [text, textLang, spans, fromAbstract];
    }
    return [choices[0][0], choices[0][1], [], choices[0][2]];
  }

  function snippet(doc, terms, lang) {
    const source = snippetSource(doc, terms, lang);
    if (!source) return null;
    const chinese = source[1] === "zh-Hans";
    const p = element("p", source[3] ? "snippet gist" : "snippet", source[1]);
    const [text, kept] = excerpt(source[0], source[2]);
    appendMarked(p, text, kept, chinese);
    return p;
  }

  function resultItem(doc, terms, lang) {
    const [page, title, titleZh, authors, arxivId, venue, category] = doc;
    const listed = doc[10] || "";
    const item = element("li", "result");
    const link = element("a", "title-en", "en");
    if (PAGE.test(page)) link.href = rootBase + page;
    const shown = title || titleZh || arxivId || page;
    appendMarked(link, shown, matches(shown, terms), false);
    item.appendChild(link);
    if (titleZh) {
      item.appendChild(document.createTextNode(" "));
      const zh = element("span", "title-zh l-zh", "zh-Hans");
      appendMarked(zh, titleZh, matches(titleZh, terms), true);
      item.appendChild(zh);
    }
    const byline = [listed, authors, arxivId ? "arXiv:" + arxivId : "", venue, category].filter(Boolean).join(" · ");
    if (byline) {
      const p = element("p", "byline", "en"); // Latin script (Chinese names get their own spans)
      appendMarked(p, byline, matches(byline, terms), false);
      item.appendChild(p);
    }
    const p = snippet(doc, terms, lang);
    if (p) item.appendChild(p);
    return item;
  }

  /* ---- the page ---- */

  let statusElement = null;
  let listElement = null;
  let moreElement = null; // the paragraph around the "Show more" button
  let latest = 0;
  let current = null; // the results in the page: {found, terms, shown, busy}

  /* The status line in both languages, as the site's pages write them (the reader's language
   * choice hides one: .l-en, .l-zh). */
  function say(english, chinese) {
    if (!statusElement) return;
    const en = element("span", "l-en", "en");
    en.textContent = english;
    const zh = element("span", "l-zh", "zh-Hans");
    zh.textContent = chinese;
    statusElement.replaceChildren(en, document.createTextNode(" "), zh);
  }

  function blockOf(doc) {
    return Math.floor(doc / meta.blockSize);
  }

  function loadDocs(results) {
    return Promise.all([...new Set(results.map((r) => blockOf(r.doc)))].map(loadBlock));
  }

  function items(results, terms) {
    const lang = readerLanguage();
    return results.map((r) => resultItem(docBlocks.get(blockOf(r.doc))[r.doc % meta.blockSize], terms, lang));
  }

  /* The "Show more" button, shown while some results are not in the list. */
  function updateMore() {
    if (moreElement) moreElement.hidden = !(current && current.shown < current.found.length);
  }

  /* Replace the list with `results`, the first of `state.found`, or empty it (no state). */
  function show(results, state) {
    current = state || null;
    if (listElement) listElement.replaceChildren(...(state ? items(results, state.terms) : []));
    if (current) current.shown = results.length;
    updateMore();
  }

  /* The documents first listed from `from` to `to` (YYYY-MM-DD, either may be empty), as the
   * range [low, high) of their numbers: documents are numbered by day (meta.days gives each
   * day's first document and date, oldest first; papers with no date come first). */
  function docRange(from, to) {
    let low = null;
    let high = meta.docs;
    for (const [first, date] of meta.days) {
      if (!date) continue;
      if (to && date > to) {
        high = first;
        break;
      }
      if (low === null && (!from || date >= from)) low = first;
    }
    return [low === null ? high : low, high];
  }

  /* `found` narrowed to the reader's filters: first listed within the dates, in the category. */
  async function narrow(found, filters) {
    let kept = found;
    if (filters.from || filters.to) {
      const [low, high] = docRange(filters.from, filters.to);
      kept = kept.filter((r) => r.doc >= low && r.doc < high);
    }
    if (filters.category) {
      const term = meta.categoryTerm + filters.category.toLowerCase();
      const list = decode(term, await loadShards(term));
      const member = new Uint8Array(meta.docs);
      for (const doc of list.docs) member[doc] = 1;
      kept = kept.filter((r) => member[r.doc]);
    }
    return kept;
  }

  /* The filters as the status line says them, in English and Chinese. */
  function filterWords(filters) {
    const en = [];
    const zh = [];
    if (filters.from || filters.to) {
      en.push("first listed " + (filters.from || "…") + " – " + (filters.to || "…"));
      zh.push("首次收录于 " + (filters.from || "…") + " – " + (filters.to || "…"));
    }
    if (filters.category) {
      en.push("in " + filters.category);
      zh.push("分类 " + filters.category);
    }
    return en.length ? [", " + en.join(", "), "，" + zh.join("，")] : ["", ""];
  }

  async function search(query, ticket, filters) {
    await loadMeta();
    if (meta.version !== FORMAT) {
      say("The search index is of another version: rebuild the site.", "搜索索引版本不符，请重新生成网站。");
      return show([]);
    }
    const planned = await plan(query);
    if (ticket !== latest) return;
    if (!planned.length) {
      say("Type a more specific word to search titles, authors, summaries and abstracts.", "请输入更具体的关键词。");
      return show([]);
    }
    const found = await narrow(planned.every((p) => p.terms.length) ? rank(planned) : [], filters);
    if (ticket !== latest) return;
    const state = { found: found, terms: new Set(planned.flatMap((p) => p.terms)), shown: 0, busy: false };
    // The first results as soon as their documents are in (each block is a file); the blocks of
    // the others load when the reader asks for more.
    const first = found.slice(0, FIRST_RESULTS);
    await loadDocs(first);
    if (ticket !== latest) return;
    show(first, state);
    const n = found.length;
    if (!n) {
      const lone = planned.some((p) => p.token.cjk && p.token.term.length === 1);
      const [en, zh] = filterWords(filters);
      say(
        "No results for “" + query.trim() + "”" + en + "." + (lone ? " Chinese words need two characters." : ""),
        "没有找到结果" + zh + "。" + (lone ? "中文请至少输入两个字。" : "")
      );
    } else {
      const [en, zh] = filterWords(filters);
      say((n === 1 ? "1 result" : n + " results") + en, n + " 条结果" + zh);
    }
  }

  /* The next MORE_RESULTS results, appended to the list; resolves once they are in the page. */
  async function more() {
    const state = current;
    if (!state || state.busy || state.shown >= state.found.length) return;
    state.busy = true;
    try {
      const next = state.found.slice(state.shown, state.shown + MORE_RESULTS);
      await loadDocs(next);
      if (state !== current) return; // another search has replaced these results
      const added = items(next, state.terms);
      const button = moreElement && moreElement.querySelector("button");
      const focused = button && document.activeElement === button;
      listElement.append(...added);
      state.shown += next.length;
      updateMore();
      // The button is gone with the last results: keep the keyboard's place on the first new one.
      if (focused && moreElement.hidden && added.length) added[0].querySelector("a").focus();
    } catch (error) {
      if (state === current) report(error);
    } finally {
      state.busy = false;
    }
  }

  /* The snippets of the results in the list again, in the reader's language (which just changed). */
  function relanguage() {
    if (!current || !listElement) return;
    const lang = readerLanguage();
    const shown = current.found.slice(0, current.shown);
    shown.forEach((r, i) => {
      const item = listElement.children[i];
      const doc = docBlocks.get(blockOf(r.doc));
      if (!item || !doc) return;
      const old = item.querySelector(".snippet");
      const p = snippet(doc[r.doc % meta.blockSize], current.terms, lang);
      if (old && p) old.replaceWith(p);
      else if (old) old.remove();
      else if (p) item.appendChild(p);
    });
  }

  function report(error) {
    if (error instanceof LoadError) {
      say("The search index could not be loaded (" + error.file + ").", "无法加载搜索索引。");
    } else {
      say("Search failed: " + (error && error.message), "搜索出错。");
    }
  }

  /* Search for `query` and show the results, narrowed to the page's filters; resolves once they
   * are in the page. */
  async function run(query) {
    const ticket = ++latest;
    query = String(query || "");
    try {
      if (!query.trim()) {
        await loadMeta(); // ready for the first keystroke
        if (ticket !== latest) return;
        say("Type to search titles, authors, summaries and abstracts.", "输入关键词，搜索标题、作者、摘要。");
        return show([]);
      }
      await search(query, ticket, readFilters());
    } catch (error) {
      if (ticket !== latest) return;
      show([]);
      report(error);
    }
  }

  /* The filters of the search page's form (from, to, category): each empty when not chosen. */
  function readFilters() {
    const form = document.querySelector("form.search-filters");
    const value = (name) => (form && form.elements[name] ? form.elements[name].value.trim() : "");
    return { from: value("from"), to: value("to"), category: value("category") };
  }

  function syncAddress(query) {
    try {
      const url = new URL(location.href);
      const params = new URLSearchParams();
      if (query) params.set("q", query);
      const filters = readFilters();
      for (const name of ["from", "to", "category"]) if (filters[name]) params.set(name, filters[name]);
      url.search = params.toString() ? "?" + params.toString() : "";
      history.replaceState(history.state, "", url.href);
    } catch (error) {
      // file:// may refuse to change the address: the results are right all the same
    }
  }

  function start() {
    const container = document.getElementById("search-results");
    if (!container) return;
    indexBase = container.getAttribute("data-index") || indexBase;
    rootBase = container.getAttribute("data-root") || "";
    statusElement = container.querySelector(".search-status") || container.appendChild(element("p", "search-status"));
    listElement = container.querySelector(".search-results") || container.appendChild(element("ol", "search-results"));
    moreElement = element("p", "search-more");
    moreElement.hidden = true;
    const button = element("button", "button");
    button.type = "button";
    const en = element("span", "l-en", "en");
    en.textContent = "Show more";
    const zh = element("span", "l-zh", "zh-Hans");
    zh.textContent = "显示更多";
    button.append(en, document.createTextNode(" "), zh);
    button.addEventListener("click", () => more());
    moreElement.appendChild(button);
    listElement.after(moreElement);
    // The reader switched languages (site.js's buttons, or another tab): snippets follow.
    new MutationObserver(relanguage).observe(document.documentElement, { attributeFilter: ["data-lang"] });
    const input = document.getElementById("search-q");
    const params = new URLSearchParams(location.search);
    const query = params.get("q") || "";
    const filters = document.querySelector("form.search-filters");
    if (filters) {
      for (const name of ["from", "to", "category"]) {
        const field = filters.elements[name];
        const wanted = params.get(name);
        if (!field || !wanted) continue;
        if (field.options) {
          // A category the site does not have stays chosen and shown (it finds nothing), not dropped.
          const known = [...field.options].find((option) => option.value.toLowerCase() === wanted.toLowerCase());
          field.value = known ? known.value : field.appendChild(new Option(wanted, wanted)).value;
        } else {
          field.value = wanted;
        }
      }
      filters.hidden = false;
      const again = (event) => {
        if (event) event.preventDefault();
        const text = input ? input.value : query;
        syncAddress(text);
        run(text);
      };
      filters.addEventListener("change", () => again());
      filters.addEventListener("submit", again);
    }
    let timer = 0;
    if (input) {
      input.value = query;
      const later = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          syncAddress(input.value);
          run(input.value);
        }, DEBOUNCE_MS);
      };
      input.addEventListener("input", (event) => {
        if (!event.isComposing) later(); // an input method's unfinished pinyin is not a query
      });
      input.addEventListener("compositionend", later);
      if (input.form) {
        input.form.addEventListener("submit", (event) => {
          event.preventDefault(); // already on the search page: search here
          clearTimeout(timer);
          syncAddress(input.value);
          run(input.value);
        });
      }
    }
    run(query);
  }

  window.DigestSearch = {
    meta(data) {
      meta = data;
      stopwords = new Set(data.stopwords);
      titleBit = data.fields.title;
      folds = data.folds || {};
      foldCache.clear();
      for (let i = 0; i < data.alphabet.length; i++) digitOf[data.alphabet.charCodeAt(i)] = i;
    },
    terms(segment, number, data) {
      termShards.set(segment + "/" + number, data);
    },
    docs(number, list) {
      docBlocks.set(number, list);
    },
    ready: loadMeta,
    run: run,
    more: more,
    tokenize(text) {
      return scan(String(text)).map((t) => t.term);
    },
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

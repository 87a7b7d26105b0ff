/* digest: the reader's choices (language, theme), sortable and filterable tables, and the
   BibTeX copy button. A classic script with no dependencies, so it runs from file:// too.
   Everything here enhances pages that are complete without it: with JavaScript off, both
   languages show, the system theme applies and tables are plain and complete. */
(function () {
  "use strict";

  var root = document.documentElement;
  // The search page, beside the folder this script is in (as `links.SEARCH` is to `links.SCRIPT`),
  // by the same relative path the page loads the script by: "../assets/site.js" → "../search.html".
  var SCRIPT_SRC = (document.currentScript && document.currentScript.getAttribute("src")) || "";
  var SEARCH_PAGE = SCRIPT_SRC.replace(/[^/]*\/[^/]*$/, "") + "search.html";
  var LANGS = ["en", "zh", "both"];
  var THEMES = ["auto", "light", "dark"];
  var THEME_NAMES = { auto: ["automatic", "自动"], light: ["light", "浅色"], dark: ["dark", "深色"] };
  var THEME_ICONS = { auto: "◐", light: "☀", dark: "☾" };

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (error) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (error) { /* storage off: the choice lasts for this page */ }
  }

  function applyLanguage(lang) {
    if (LANGS.indexOf(lang) < 0) lang = root.getAttribute("data-default-lang") || "both";
    root.setAttribute("data-lang", lang);
    root.lang = lang === "zh" ? "zh-Hans" : "en";
    var everything = document.querySelectorAll("option[data-all]");
    for (var j = 0; j < everything.length; j++) labelAll(everything[j], lang);
    var buttons = document.querySelectorAll("[data-set-lang]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-set-lang") === lang));
    }
  }

  function applyTheme(theme) {
    if (THEMES.indexOf(theme) < 0) theme = "auto";
    if (theme === "auto") root.removeAttribute("data-theme"); else root.setAttribute("data-theme", theme);
    var toggle = document.querySelector("[data-theme-toggle]");
    if (toggle) {
      var names = THEME_NAMES[theme];
      toggle.setAttribute("aria-label", "Colour theme: " + names[0] + " · 主题：" + names[1]);
      toggle.setAttribute("title", "Colour theme: " + names[0] + " · 主题：" + names[1]);
      toggle.setAttribute("data-current", theme);
      var icon = toggle.querySelector("[data-theme-icon]");
      if (icon) icon.textContent = THEME_ICONS[theme];
    }
  }

  // Before the page paints: the stored choices, or the site's default language.
  applyLanguage(load("digest.lang"));
  applyTheme(load("digest.theme"));

  function bilingual(en, zh) {
    var fragment = document.createDocumentFragment();
    var english = document.createElement("span");
    english.className = "l-en";
    english.lang = "en";
    english.textContent = en;
    var chinese = document.createElement("span");
    chinese.className = "l-zh";
    chinese.lang = "zh-Hans";
    chinese.textContent = zh;
    fragment.appendChild(english);
    fragment.appendChild(document.createTextNode(" "));
    fragment.appendChild(chinese);
    return fragment;
  }

  // A select's "no filter" choice: an option holds plain text, so it speaks the reader's language.
  function labelAll(option, lang) {
    option.textContent = lang === "en" ? "All" : lang === "zh" ? "全部" : "All · 全部";
    option.lang = lang === "en" ? "en" : "zh-Hans";
  }

  function setContent(element, content) {
    while (element.firstChild) element.removeChild(element.firstChild);
    element.appendChild(content);
  }

  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }

  // --- Language and theme controls -------------------------------------------------------

  // The controls work only with JavaScript, so they are made here rather than shipped in every
  // page: the language switch and the theme button, after the search box.
  function makeControls(tools) {
    var group = document.createElement("div");
    group.className = "switch lang-switch";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Language · 语言");
    [["en", "EN"], ["zh", "中文"], ["both", null]].forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-set-lang", choice[0]);
      if (choice[1]) {
        button.lang = choice[0] === "zh" ? "zh-Hans" : "en";
        button.textContent = choice[1];
      } else {
        var en = document.createElement("span");
        en.lang = "en";
        en.textContent = "EN";
        var zh = document.createElement("span");
        zh.lang = "zh-Hans";
        zh.textContent = "中文";
        button.appendChild(en);
        button.appendChild(document.createTextNode(" + "));
        button.appendChild(zh);
      }
      group.appendChild(button);
    });
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "theme-toggle";
    toggle.setAttribute("data-theme-toggle", "");
    var icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("data-theme-icon", "");
    toggle.appendChild(icon);
    tools.appendChild(group);
    tools.appendChild(toggle);
  }

  // The search box: the search page it leads to needs JavaScript, so it is made here too.
  function makeSearchBox(tools) {
    var form = document.createElement("form");
    form.className = "search-box";
    form.setAttribute("role", "search");
    form.setAttribute("action", SEARCH_PAGE);
    form.setAttribute("method", "get");
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = "search-q";
    label.appendChild(bilingual("Search papers", "搜索论文"));
    var input = document.createElement("input");
    input.id = "search-q";
    input.name = "q";
    input.type = "search";
    input.placeholder = "Search · 搜索";
    input.autocomplete = "off";
    input.setAttribute("enterkeyhint", "search");
    form.appendChild(label);
    form.appendChild(input);
    tools.insertBefore(form, tools.firstChild);
  }

  function setUpControls() {
    // The box of tools, between the site's name and its navigation (the page has none of its own).
    var tools = document.querySelector(".masthead .tools");
    var nav = document.querySelector(".masthead .nav");
    if (!tools && nav) {
      tools = document.createElement("div");
      tools.className = "tools";
      nav.parentNode.insertBefore(tools, nav);
    }
    if (tools && !document.querySelector("form.search-box")) makeSearchBox(tools);
    if (tools && !document.querySelector(".lang-switch")) makeControls(tools);
    var group = document.querySelector(".lang-switch");
    if (group) {
      group.hidden = false;
      group.addEventListener("click", function (event) {
        var button = event.target.closest("[data-set-lang]");
        if (!button) return;
        var lang = button.getAttribute("data-set-lang");
        save("digest.lang", lang);
        applyLanguage(lang);
      });
    }
    applyLanguage(root.getAttribute("data-lang"));
    var toggle = document.querySelector("[data-theme-toggle]");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var next = THEMES[(THEMES.indexOf(toggle.getAttribute("data-current") || "auto") + 1) % THEMES.length];
        save("digest.theme", next);
        applyTheme(next);
      });
    }
    applyTheme(root.getAttribute("data-theme") || "auto");
    // Another tab changed a choice: follow it.
    window.addEventListener("storage", function (event) {
      if (event.key === "digest.lang") applyLanguage(event.newValue);
      if (event.key === "digest.theme") applyTheme(event.newValue);
    });
  }

  // --- Sortable tables ------------------------------------------------------------------

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort-value");
    return value !== null ? value : cell.textContent.replace(/\s+/g, " ").trim();
  }

  function sortTable(table, header, index) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var numeric = header.getAttribute("data-sort") === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var order = rows.map(function (row, position) {
      return { row: row, key: cellValue(row, index), position: position };
    });
    order.sort(function (a, b) {
      var difference = numeric
        ? (parseFloat(a.key) || 0) - (parseFloat(b.key) || 0)
        : a.key.localeCompare(b.key, undefined, { numeric: true, sensitivity: "base" });
      return (ascending ? difference : -difference) || a.position - b.position;
    });
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) headers[i].removeAttribute("aria-sort");
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    order.forEach(function (item) { body.appendChild(item.row); });
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tBodies.length || table.tBodies[0].rows.length < 2) return;
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, index) {
      if (header.getAttribute("data-sort") === "none") return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (header.firstChild) button.appendChild(header.firstChild);
      header.appendChild(button);
      button.addEventListener("click", function () { sortTable(table, header, index); });
    });
  }

  // --- Filters --------------------------------------------------------------------------

  var DIMENSIONS = [
    ["category", "Category", "分类"],
    ["venue", "Venue", "会议"],
    ["kind", "Kind", "类型"],
  ];

  // A row's values in one dimension: a paper is listed in several categories (space-separated).
  function valuesOf(row, dimension) {
    var value = row.getAttribute("data-" + dimension) || "";
    return dimension === "category" ? value.split(/\s+/).filter(Boolean) : (value ? [value] : []);
  }

  function makeFilters(tables) {
    var rows = [];
    tables.forEach(function (table) {
      Array.prototype.push.apply(rows, table.tBodies[0] ? table.tBodies[0].rows : []);
    });
    if (rows.length < 2) return;
    var texts = rows.map(function (row) { return fold(row.textContent); });
    var bar = document.createElement("div");
    bar.className = "filter-bar";
    bar.setAttribute("role", "search");
    bar.setAttribute("aria-label", "Filter this page · 筛选本页");

    var field = document.createElement("label");
    field.className = "filter-text";
    var caption = document.createElement("span");
    caption.className = "visually-hidden";
    caption.appendChild(bilingual("Filter this page", "筛选本页"));
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter · 筛选";
    input.autocomplete = "off";
    field.appendChild(caption);
    field.appendChild(input);
    bar.appendChild(field);

    var selects = [];
    DIMENSIONS.forEach(function (dimension) {
      var values = {};
      rows.forEach(function (row) {
        valuesOf(row, dimension[0]).forEach(function (value) { values[value] = (values[value] || 0) + 1; });
      });
      var names = Object.keys(values).sort();
      var counted = names.reduce(function (sum, name) { return sum + values[name]; }, 0);
      // Only a choice that splits the rows: two values or more, held by a tenth of them at least.
      if (names.length < 2 || counted * 10 < rows.length) return;
      var label = document.createElement("label");
      label.className = "filter-choice";
      var text = document.createElement("span");
      text.appendChild(bilingual(dimension[1], dimension[2]));
      var select = document.createElement("select");
      select.setAttribute("data-dimension", dimension[0]);
      select.lang = "en";  // categories, venues and kinds are names from the digests
      var any = document.createElement("option");
      any.value = "";
      any.setAttribute("data-all", "");
      labelAll(any, root.getAttribute("data-lang"));
      select.appendChild(any);
      names.forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        option.textContent = name + " (" + values[name] + ")";
        select.appendChild(option);
      });
      label.appendChild(text);
      label.appendChild(select);
      bar.appendChild(label);
      selects.push(select);
    });

    var status = document.createElement("p");
    status.className = "filter-status muted";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    bar.appendChild(status);

    function update() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, index) {
        var visible = words.every(function (word) { return texts[index].indexOf(word) >= 0; }) &&
          selects.every(function (select) {
            return !select.value || valuesOf(row, select.getAttribute("data-dimension")).indexOf(select.value) >= 0;
          });
        row.hidden = !visible;
        if (visible) shown++;
      });
      tables.forEach(function (table) {
        var group = table.closest(".group");
        if (!group) return;
        var any = Array.prototype.some.call(table.tBodies[0].rows, function (row) { return !row.hidden; });
        group.hidden = !any;
      });
      setContent(status, bilingual(
        "Showing " + shown + " of " + rows.length + " on this page",
        "本页显示 " + shown + " / " + rows.length
      ));
      if (!shown && input.value.trim()) {
        // Nothing here: the search page looks through every paper of the site.
        var link = document.createElement("a");
        link.href = searchPage() + "?q=" + encodeURIComponent(input.value.trim());
        link.appendChild(bilingual("Search all papers", "搜索全部论文"));
        status.appendChild(document.createTextNode(" · "));
        status.appendChild(link);
      }
    }
    input.addEventListener("input", update);
    selects.forEach(function (select) { select.addEventListener("change", update); });
    // A link can choose a filter: dates/2024-03-04.html?category=cs.CL shows that channel's papers.
    var wanted = new URLSearchParams(location.search);
    selects.forEach(function (select) {
      var value = wanted.get(select.getAttribute("data-dimension"));
      for (var i = 0; value && i < select.options.length; i++) {
        if (select.options[i].value === value) select.value = value;
      }
    });
    var first = tables[0].closest(".group") || tables[0].closest(".table-scroll") || tables[0];
    first.parentNode.insertBefore(bar, first);
    update();
  }

  function searchPage() {
    var form = document.querySelector("form.search-box");
    return form ? form.getAttribute("action") : "search.html";
  }

  // --- Copy buttons ---------------------------------------------------------------------

  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    // Off screen but laid out as written: a collapsed white-space would lose the indentation.
    area.style.cssText = "position:fixed;top:0;left:-9999px;opacity:0;white-space:pre";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    document.body.removeChild(area);
    return copied;
  }

  // A BibTeX block's copy button and the status line that says what it did.
  function makeCopyButton(code) {
    var pre = code.parentNode;
    if (pre.nextElementSibling && pre.nextElementSibling.querySelector("button[data-copy]")) return;
    var tools = document.createElement("p");
    tools.className = "cite-tools";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.setAttribute("data-copy", code.id);
    button.appendChild(bilingual("Copy BibTeX", "复制 BibTeX"));
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    tools.appendChild(button);
    tools.appendChild(document.createTextNode(" "));
    tools.appendChild(status);
    pre.parentNode.insertBefore(tools, pre.nextSibling);
  }

  function setUpCopy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    var status = button.parentNode.querySelector(".copy-status");
    button.hidden = false;
    function report(copied) {
      if (!status) return;
      if (copied) {
        setContent(status, bilingual("Copied", "已复制"));
      } else {
        var range = document.createRange();
        range.selectNodeContents(target);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        setContent(status, bilingual("Selected: press Ctrl+C (⌘C) to copy", "已选中：按 Ctrl+C（⌘C）复制"));
      }
    }
    button.addEventListener("click", function () {
      var text = target.textContent;
      // The Clipboard API needs a secure context (file:// is one in Chromium, not everywhere);
      // the selection-based copy covers the rest.
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { report(true); },
          function () { report(copyWithSelection(text)); }
        );
      } else {
        report(copyWithSelection(text));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpControls();
    var sortable = document.querySelectorAll("table[data-sortable]");
    Array.prototype.forEach.call(sortable, makeSortable);
    var filterable = Array.prototype.slice.call(document.querySelectorAll("table[data-filterable]"));
    if (filterable.length) makeFilters(filterable);
    Array.prototype.forEach.call(document.querySelectorAll("pre.bibtex > code[id]"), makeCopyButton);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), setUpCopy);
  });
})();

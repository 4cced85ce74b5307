// The staff pages work without script; this adds live search, copy buttons and confirmations.
// Times come rendered in the organisation's time zone. Served by us (script-src 'self'), no third-party code.
(function () {
  "use strict";
  const live = document.getElementById("live");

  function announce(text) {
    if (!live) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  // Live search: the results part of the overview is fetched again as the user types.
  const search = document.querySelector("form[data-live-search]");
  if (search) {
    const results = document.getElementById("results");
    let timer = null;
    let pending = null;
    const refresh = function () {
      const query = new URLSearchParams(new FormData(search));
      const url = search.getAttribute("action") + "?" + query.toString();
      if (pending) { pending.abort(); }
      pending = new AbortController();
      results.setAttribute("aria-busy", "true");
      fetch(url, { headers: { "X-Fragment": "results" }, credentials: "same-origin", signal: pending.signal })
        .then(function (response) {
          // The session ended: the answer is the sign-in page; go there for real.
          if (response.redirected) { window.location.assign(response.url); throw new Error("left"); }
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          results.innerHTML = html;  // our own escaped template output
          results.removeAttribute("aria-busy");
          window.history.replaceState(null, "", url);
          const summary = document.getElementById("result-summary");
          if (summary) { announce(summary.dataset.summary); }
        })
        .catch(function (error) {
          if (error.name !== "AbortError" && error.message !== "left") { search.submit(); }
        });
    };
    search.querySelector("input[type=search]").addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 200);
    });
    search.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", refresh);
    });
    search.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
  }

  // Copy buttons: the clipboard API where the page may use it, else select-and-copy.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    const input = document.getElementById(button.dataset.copy);
    const done = function () {
      const label = button.textContent;
      button.textContent = live.dataset.copied;
      announce(live.dataset.copied);
      window.setTimeout(function () { button.textContent = label; }, 1500);
    };
    const fallback = function () {
      input.focus();
      input.select();
      let copied = false;
      try { copied = document.execCommand("copy"); } catch (ignored) { copied = false; }
      if (copied) { done(); } else { announce(live.dataset.copyFailed); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, fallback);
    } else {
      fallback();
    }
  });

  // Forms that undo something ask first.
  document.addEventListener("submit", function (event) {
    // A button may ask on its own (one button of a form), else the form asks.
    const submitter = event.submitter && event.submitter.dataset ? event.submitter.dataset.confirm : null;
    const message = submitter || (event.target.dataset && event.target.dataset.confirm);
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

})();

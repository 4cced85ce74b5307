// The upload page: drag and drop, each file sent resumably (tus) in XHRs (XHR has upload
// progress, fetch has not).
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) { return; }
  const input = document.getElementById("file");
  const dropzone = document.getElementById("dropzone");
  const progress = document.getElementById("progress");
  const success = document.getElementById("success");
  const arrived = document.getElementById("arrived");
  const notice = document.getElementById("upload-notice");
  const text = form.dataset;
  const maxSize = Number(text.maxSize || 0);
  let password = null;

  function say(message) {
    notice.textContent = message;
    notice.hidden = !message;
  }

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  // A client's second thoughts: each upload answers a removal key; kept in this tab's
  // sessionStorage (never a cookie, never the URL) so that only this browser, within
  // 15 minutes, is offered "Entfernen" for what it sent. The server decides the time.
  const REMOVALS = "docintake-removal:" + location.pathname;
  const WINDOW = 15 * 60 * 1000;

  function removals() {
    try { return JSON.parse(sessionStorage.getItem(REMOVALS) || "{}"); } catch (e) { return {}; }
  }

  function keepRemovals(map) {
    try { sessionStorage.setItem(REMOVALS, JSON.stringify(map)); } catch (e) { /* private mode */ }
  }

  function forget(fileId) {
    const map = removals();
    delete map[fileId];
    keepRemovals(map);
  }

  function offerRemoval(li, fileId, name) {
    const entry = removals()[fileId];
    if (!entry || entry.until < Date.now()) { return; }
    const button = element("button", "small secondary remove", text.remove);
    button.type = "button";
    // Which file, for screen readers (a hidden span would be read "Entfernen : name").
    button.setAttribute("aria-label", text.remove + ": " + name);
    button.addEventListener("click", function () {
      button.disabled = true;
      const request = new XMLHttpRequest();
      request.open("POST", text.removePath.split("{id}").join(fileId));
      request.setRequestHeader("Content-Type", "application/json");
      request.setRequestHeader("Accept", "application/json");
      if (password) { request.setRequestHeader("X-Link-Password", password); }
      request.addEventListener("load", function () {
        if (request.status === 204) {
          forget(fileId);
          try {
            sessionStorage.setItem(REMOVALS + ":said", text.removed.split("{filename}").join(name));
          } catch (e) { /* private mode */ }
          // The page as the server now has it: the document missing again, the list without it.
          location.reload();
          return;
        }
        if (request.status === 403 || request.status === 404 || request.status === 409) {
          forget(fileId);
          button.remove();
        } else {
          button.disabled = false;
        }
        say(refusal(request) || text.failed);
      });
      request.addEventListener("error", function () { button.disabled = false; say(text.failed); });
      request.send(JSON.stringify({ removal_key: entry.key }));
    });
    li.appendChild(document.createTextNode(" "));
    li.appendChild(button);
  }

  function offerRemovals(list) {
    list.querySelectorAll("li[data-file-id]").forEach(function (li) {
      const name = li.querySelector(".name");
      offerRemoval(li, li.dataset.fileId, name ? name.textContent : "");
    });
  }

  function markReceived(itemId) {
    if (!itemId) { return; }
    document.querySelectorAll("#items li").forEach(function (li) {
      if (li.dataset.itemId === itemId) {
        li.className = "received";
        li.querySelector(".mark").textContent = text.received;
        const question = li.querySelector(".question");
        if (question) { question.remove(); }
      }
    });
  }

  // "noch 2 Dateien möglich" follows what arrives; when the link is full and no question
  // waits for an answer, the form goes (what the page says after a reload).
  function countArrival() {
    const left = document.getElementById("files-left");
    if (!left) { return; }
    const count = Math.max(0, Number(left.dataset.left) - 1);
    left.dataset.left = String(count);
    const questions = document.querySelector("#items li.query, #file-question-list li");
    if (count > 1) {
      left.textContent = left.dataset.many.split("{count}").join(String(count));
    } else if (count === 1) {
      left.textContent = left.dataset.one;
    } else if (questions) {
      left.textContent = left.dataset.answers;
    } else {
      left.textContent = left.dataset.none;
      form.hidden = true;
    }
  }

  // The selector's choice: a requested document's id, "replaces:<file id>" (the answer to
  // an open question on a file of no document), or "" (no particular document).
  function chosenTarget() {
    const choice = form.elements.item_id ? form.elements.item_id.value : "";
    if (choice.indexOf("replaces:") === 0) { return { itemId: "", replaces: choice.slice(9) }; }
    return { itemId: choice, replaces: "" };
  }

  function questionAnswered(replaces) {
    const choice = "replaces:" + replaces;
    const select = document.getElementById("item_id");
    Array.from(select.options).forEach(function (option) {
      if (option.value === choice) { option.remove(); }
    });
    document.querySelectorAll("#file-question-list li").forEach(function (li) {
      if (li.dataset.choice === choice) { li.remove(); }
    });
    if (!document.querySelector("#file-question-list li")) {
      document.getElementById("file-questions").hidden = true;
    }
    // On to what is still wanted: another question, else a missing document.
    const query = document.querySelector("#items li.query");
    const another = Array.from(select.options).find(function (o) { return o.value.indexOf("replaces:") === 0; });
    const missing = document.querySelector("#items li.missing");
    select.value = query ? query.dataset.itemId : another ? another.value
      : missing ? missing.dataset.itemId : "";
  }

  function uploadOne(file, target) {
    const row = element("li");
    row.appendChild(element("span", "name", file.name + " "));
    const state = element("span", "state", text.uploading);
    row.appendChild(state);
    const bar = element("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    row.appendChild(bar);
    progress.appendChild(row);

    function failed(message) {
      bar.remove();
      state.textContent = message ? text.failed + ": " + message : text.failed;
      state.className = "state bad";
    }

    if (maxSize && file.size > maxSize) {
      // Refused before a byte is sent: the same sentence the server would answer with.
      failed(text.tooLarge.split("{filename}").join(file.name));
      return Promise.resolve(false);
    }

    const itemId = target.itemId;
    return sendResumable(file, {
      filename: file.name,
      item_id: itemId,
      replaces: target.replaces,
      uploader_name: form.elements.uploader_name.value,
      uploader_email: form.elements.uploader_email.value,
    }, function (fraction) { bar.value = Math.round(fraction * 100); }).then(function (outcome) {
      if (outcome.ok) {
        bar.value = 100;
        state.textContent = text.done;
        state.className = "state ok";
        const arrivedRow = element("li", "arrived", file.name);
        arrived.appendChild(arrivedRow);
        if (outcome.fileId && outcome.key) {
          const map = removals();
          map[outcome.fileId] = { key: outcome.key, until: Date.now() + WINDOW };
          keepRemovals(map);
          offerRemoval(arrivedRow, outcome.fileId, file.name);
        }
        success.hidden = false;
        markReceived(itemId);
        countArrival();
        return true;
      }
      failed(outcome.message);
      return false;
    });
  }

  // Resumable uploads (tus 1.0, our own few lines): the file goes in pieces; a piece cut
  // off is asked for again from where the server says it stands.
  const CHUNK = 8 * 1024 * 1024;
  const RETRIES = 8;

  function base64(value) {
    const bytes = new TextEncoder().encode(value);
    let binary = "";
    bytes.forEach(function (b) { binary += String.fromCharCode(b); });
    return btoa(binary);
  }

  function tusRequest(method, url, headers, body, onProgress) {
    return new Promise(function (resolve) {
      const request = new XMLHttpRequest();
      request.open(method, url);
      request.setRequestHeader("Tus-Resumable", "1.0.0");
      request.setRequestHeader("Accept", "application/json");
      if (password) { request.setRequestHeader("X-Link-Password", password); }
      Object.keys(headers).forEach(function (name) { request.setRequestHeader(name, headers[name]); });
      if (onProgress) {
        request.upload.addEventListener("progress", function (event) { onProgress(event.loaded); });
      }
      request.addEventListener("load", function () { resolve(request); });
      request.addEventListener("error", function () { resolve(null); });
      request.send(body === undefined ? null : body);
    });
  }

  function refusal(request) {
    try { return JSON.parse(request.responseText).error.message; } catch (e) { return ""; }
  }

  function pause(attempt) {
    return new Promise(function (resolve) { setTimeout(resolve, Math.min(500 * 2 ** attempt, 8000)); });
  }

  async function sendResumable(file, metadata, onProgress) {
    const pairs = Object.keys(metadata).filter(function (k) { return metadata[k]; })
      .map(function (k) { return k + " " + base64(metadata[k]); });
    const created = await tusRequest("POST", form.dataset.tusPath,
      { "Upload-Length": String(file.size), "Upload-Metadata": pairs.join(",") });
    if (!created) { return { ok: false, message: "" }; }
    if (created.status !== 201) { return { ok: false, message: refusal(created) }; }
    const url = created.getResponseHeader("Location");
    let offset = 0;
    let failures = 0;
    while (offset < file.size) {
      const piece = file.slice(offset, Math.min(offset + CHUNK, file.size));
      const start = offset;
      const sent = await tusRequest("PATCH", url,
        { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
        piece, function (loaded) { onProgress((start + loaded) / file.size); });
      if (sent && sent.status === 204) {
        offset = Number(sent.getResponseHeader("Upload-Offset"));
        failures = 0;
        if (offset >= file.size) {
          return {
            ok: true,
            fileId: sent.getResponseHeader("Upload-File-Id"),
            key: sent.getResponseHeader("Upload-Removal-Key"),
          };
        }
        continue;
      }
      if (sent && sent.status !== 409 && sent.status < 500) {
        return { ok: false, message: refusal(sent) };
      }
      // Cut off (or the server busy): ask where the upload stands, then go on from there.
      if (failures >= RETRIES) { return { ok: false, message: "" }; }
      await pause(failures);
      failures += 1;
      const asked = await tusRequest("HEAD", url, {});
      if (asked && asked.status === 200) {
        offset = Number(asked.getResponseHeader("Upload-Offset"));
      } else if (asked && asked.status !== 0 && asked.status < 500) {
        return { ok: false, message: "" };
      }
    }
    return { ok: true };
  }

  async function uploadAll(files) {
    say("");
    // One choice for the whole batch: a replacement answers with its first file, the
    // batch's further files come for no particular document.
    const target = chosenTarget();
    for (const file of Array.from(files)) {
      const done = await uploadOne(file, target);
      if (done && target.replaces) {
        questionAnswered(target.replaces);
        target.replaces = "";
      }
    }
    input.value = "";
    showChosen();
  }

  function showChosen() {
    const chosen = document.getElementById("chosen");
    const names = Array.from(input.files).map(function (f) { return f.name; });
    chosen.textContent = names.length ? text.chosen + " " + names.join(", ") : "";
  }

  const receivedList = document.getElementById("received-list");
  if (receivedList) { offerRemovals(receivedList); }
  let said = null;
  try { said = sessionStorage.getItem(REMOVALS + ":said"); } catch (e) { said = null; }
  if (said) {
    try { sessionStorage.removeItem(REMOVALS + ":said"); } catch (e) { /* private mode */ }
    const removalNotice = document.getElementById("removal-notice");
    removalNotice.textContent = said;
    removalNotice.hidden = false;
    document.getElementById("received-files").hidden = false;
    // The notice alone when nothing is left: no heading over an empty list.
    document.getElementById("received-files-title").hidden = !receivedList.querySelector("li");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.files.length) { uploadAll(input.files); } else { say(text.choose); }
  });
  input.addEventListener("change", function () { say(""); showChosen(); });
  ["dragenter", "dragover"].forEach(function (name) {
    dropzone.addEventListener(name, function (event) { event.preventDefault(); dropzone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    dropzone.addEventListener(name, function (event) { event.preventDefault(); dropzone.classList.remove("over"); });
  });
  dropzone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) { uploadAll(event.dataTransfer.files); }
  });
  dropzone.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); input.click(); }
  });

  const unlock = document.getElementById("unlock-form");
  if (unlock) {
    unlock.addEventListener("submit", function (event) {
      event.preventDefault();
      const attempt = document.getElementById("link-password").value;
      const error = document.getElementById("unlock-error");
      const button = unlock.querySelector("button");
      // Checking a password takes a moment: no second click, no old refusal meanwhile.
      button.disabled = true;
      error.hidden = true;
      const request = new XMLHttpRequest();
      request.open("POST", unlock.getAttribute("action"));
      request.setRequestHeader("X-Link-Password", attempt);
      request.addEventListener("error", function () {
        button.disabled = false;
        error.textContent = text.failed;
        error.hidden = false;
      });
      request.addEventListener("load", function () {
        button.disabled = false;
        if (request.status !== 200) {
          try { error.textContent = JSON.parse(request.responseText).error.message; } catch (e) { error.textContent = text.failed; }
          error.hidden = false;
          return;
        }
        password = attempt;
        const body = JSON.parse(request.responseText);
        document.getElementById("message").textContent = body.message || "";
        const list = document.getElementById("items");
        const select = document.getElementById("item_id");
        const marks = { missing: text.missing, received: text.received, checked: text.checked, query: text.query };
        body.requested_items.forEach(function (item) {
          const li = element("li", item.state + (item.received ? " received" : ""));
          li.dataset.itemId = item.id;
          li.appendChild(element("span", "label", item.label));
          li.appendChild(element("span", "mark", marks[item.state] || text.missing));
          if (item.question) {
            li.appendChild(element("p", "question", text.question.split("{question}").join(item.question)));
          }
          list.appendChild(li);
          const option = element("option", null, item.label);
          option.value = item.id;
          select.insertBefore(option, select.lastElementChild);
        });
        if (body.file_questions && body.file_questions.length) {
          const questions = document.getElementById("file-question-list");
          body.file_questions.forEach(function (q) {
            const li = element("li", null, text.fileQuestion.split("{label}").join(q.label).split("{question}").join(q.question));
            li.dataset.choice = q.choice;
            questions.appendChild(li);
            const option = element("option", null, text.replacement.split("{label}").join(q.label));
            option.value = q.choice;
            select.insertBefore(option, select.lastElementChild);
          });
          document.getElementById("file-questions").hidden = false;
          document.getElementById("item-choice").hidden = false;
        }
        if (body.first) { select.value = body.first; }
        if (body.received_files && body.received_files.length) {
          const received = document.getElementById("received-list");
          body.received_files.forEach(function (f) {
            const li = element("li");
            if (f.id) { li.dataset.fileId = f.id; }
            li.appendChild(element("span", "name", f.filename));
            li.appendChild(document.createTextNode(" "));
            const about = [f.size, f.at];
            if (f.item) { about.push(received.dataset.for.split("{item}").join(f.item)); }
            li.appendChild(element("span", "meta", about.join(" · ")));
            received.appendChild(li);
          });
          document.getElementById("received-files").hidden = false;
          document.getElementById("received-files-title").hidden = false;
          offerRemovals(received);
        }
        if (body.requested_items.length) {
          document.getElementById("items-block").hidden = false;
          document.getElementById("item-choice").hidden = false;
        }
        document.getElementById("unlock").hidden = true;
        document.getElementById("details").hidden = false;
      });
      request.send();
    });
  }
})();

// The upload page: drag and drop, one XHR per file (XHR has upload progress, fetch has not).
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

  function uploadOne(file) {
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
      return Promise.resolve();
    }

    const data = new FormData();
    const itemId = form.elements.item_id ? form.elements.item_id.value : "";
    if (itemId) { data.append("item_id", itemId); }
    data.append("uploader_name", form.elements.uploader_name.value);
    data.append("uploader_email", form.elements.uploader_email.value);
    data.append("file", file, file.name);

    return new Promise(function (resolve) {
      const request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action"));
      request.setRequestHeader("Accept", "application/json");
      if (password) { request.setRequestHeader("X-Link-Password", password); }
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { bar.value = Math.round((event.loaded / event.total) * 100); }
      });
      request.addEventListener("load", function () {
        if (request.status === 201) {
          bar.value = 100;
          state.textContent = text.done;
          state.className = "state ok";
          JSON.parse(request.responseText).files.forEach(function (f) {
            arrived.appendChild(element("li", "arrived", f.filename));
          });
          success.hidden = false;
          markReceived(itemId);
        } else {
          let message = "";
          try { message = JSON.parse(request.responseText).error.message; } catch (e) { /* not JSON */ }
          failed(message);
        }
        resolve();
      });
      request.addEventListener("error", function () {
        failed("");
        resolve();
      });
      request.send(data);
    });
  }

  async function uploadAll(files) {
    say("");
    for (const file of Array.from(files)) { await uploadOne(file); }
    input.value = "";
    showChosen();
  }

  function showChosen() {
    const chosen = document.getElementById("chosen");
    const names = Array.from(input.files).map(function (f) { return f.name; });
    chosen.textContent = names.length ? text.chosen + " " + names.join(", ") : "";
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
      const request = new XMLHttpRequest();
      request.open("POST", unlock.getAttribute("action"));
      request.setRequestHeader("X-Link-Password", attempt);
      request.addEventListener("load", function () {
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
        if (body.first) { select.value = body.first; }
        if (body.file_questions && body.file_questions.length) {
          const questions = document.getElementById("file-question-list");
          body.file_questions.forEach(function (q) {
            questions.appendChild(element("li", null, text.fileQuestion.split("{label}").join(q.label).split("{question}").join(q.question)));
          });
          document.getElementById("file-questions").hidden = false;
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

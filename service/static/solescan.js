// solescan pages: upload progress, in-page review and delete, local times.
// Plain JavaScript, no build step; every form also works without it.
(function () {
  "use strict";

  var FRAGMENT = { "X-Solescan-Fragment": "1" };
  document.documentElement.classList.add("js");

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function formatSize(bytes) {
    if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  // Times are rendered in UTC by the server; show them in the reader's time zone.
  function localTimes(root) {
    $$("time[datetime]", root).forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      node.textContent = when.toLocaleString(undefined, {
        day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
      });
      node.title = when.toISOString();
    });
  }

  // Replace `node` by the HTML the server sent; returns the new element.
  function swap(node, html) {
    var holder = document.createElement(node.tagName === "TR" ? "tbody" : "div");
    if (node.tagName === "TR" && !/^\s*<tr/i.test(html)) {
      html = '<tr><td colspan="6">' + html + "</td></tr>";
    }
    holder.innerHTML = html;
    var fresh = holder.firstElementChild;
    if (!fresh) return node;
    node.replaceWith(fresh);
    localTimes(fresh);
    return fresh;
  }

  // A JSON error (the body-size limit answers before the page routes) as a message card.
  function problemHtml(title, message) {
    var card = el("article", { "class": "card problem", role: "alert" });
    card.appendChild(el("h2", { "class": "problem-title" }, title));
    card.appendChild(el("p", { "class": "problem-message" }, message));
    return card.outerHTML;
  }

  function responseHtml(xhrOrText, contentType, status) {
    if (contentType && contentType.indexOf("text/html") === 0) return xhrOrText;
    var message = "solescan answered with an error (" + status + "). Try again.";
    try { message = JSON.parse(xhrOrText).detail.message || message; } catch (e) { /* not JSON */ }
    return problemHtml(status === 413 ? "The file is too large" : "Not analysed", message);
  }

  // -- forms that update part of the page (review, delete) ------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-enhance]")) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    if (!window.fetch || !window.FormData) return; // plain form post
    event.preventDefault();
    var target = $(form.getAttribute("data-target")) || form;
    var button = $("button[type=submit]", form);
    var label = button ? button.textContent : "";
    if (button) { button.disabled = true; button.textContent = "Saving…"; }
    fetch(form.action, { method: "POST", body: new FormData(form), headers: FRAGMENT, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) {
          return responseHtml(text, response.headers.get("content-type"), response.status);
        });
      })
      .then(function (html) {
        var fresh = swap(target, html);
        var status = $("[role=status], [role=alert]", fresh) || fresh;
        if (!status.hasAttribute("tabindex")) status.setAttribute("tabindex", "-1");
        status.focus();
      })
      .catch(function () {
        if (button) { button.disabled = false; button.textContent = label; }
        window.alert("Could not reach solescan. Check the connection and try again.");
      });
  });

  // -- upload: a queue of photos, each sent on its own with its progress ------------------
  function setUpUpload(form) {
    var input = $("#photos", form);
    var camera = $("#camera", form);
    var zone = $("[data-dropzone]", form);
    var list = $("[data-file-list]", form);
    var status = $("[data-form-status]", form);
    var submit = $("[data-submit]", form);
    var results = $("[data-results]");
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || Infinity;
    var queue = [];
    var busy = false;

    // The script sends one request per photo, so several may be chosen at once.
    input.multiple = true;
    input.required = false;
    if (camera && window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
      $("[data-camera]", form).hidden = false;
    }

    function render() {
      list.textContent = "";
      queue.forEach(function (file, index) {
        var item = el("li");
        if (/^image\/(jpeg|png|webp|gif)$/.test(file.type) && window.URL) {
          var thumb = el("img", { alt: "" });
          thumb.src = URL.createObjectURL(file);
          thumb.onload = function () { URL.revokeObjectURL(thumb.src); };
          item.appendChild(thumb);
        }
        item.appendChild(el("span", { "class": "file-name" }, file.name));
        item.appendChild(el("span", { "class": "file-size" }, formatSize(file.size)));
        var remove = el("button", { type: "button", "class": "button secondary small" }, "Remove");
        remove.appendChild(el("span", { "class": "visually-hidden" }, " " + file.name));
        remove.addEventListener("click", function () {
          queue.splice(index, 1);
          render();
          input.focus();
        });
        item.appendChild(remove);
        list.appendChild(item);
      });
      status.textContent = queue.length
        ? queue.length + (queue.length === 1 ? " photo ready." : " photos ready.")
        : "";
    }

    function add(files) {
      Array.prototype.forEach.call(files, function (file) { queue.push(file); });
      render();
    }

    input.addEventListener("change", function () { add(input.files); input.value = ""; });
    if (camera) camera.addEventListener("change", function () { add(camera.files); camera.value = ""; });

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.remove("dragover");
      });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) add(event.dataTransfer.files);
    });

    // Results and refusals say which of the chosen files they are about.
    function nameFile(card, name) {
      var meta = $(".result-head .meta", card);
      if (meta) { meta.appendChild(el("span", { "class": "file-name" }, "File: " + name)); return; }
      var title = $("h2", card);
      if (title) title.insertAdjacentElement("afterend", el("p", { "class": "file-label" }, "File: " + name));
    }

    function progressCard(file) {
      var card = el("article", { "class": "card upload-item", "aria-busy": "true" });
      card.appendChild(el("h2", { "class": "upload-name" }, file.name));
      var bar = el("progress", { max: "100", value: "0" });
      bar.setAttribute("aria-label", "Progress of " + file.name);
      card.appendChild(bar);
      card.appendChild(el("p", { "class": "upload-state", role: "status" }, "Waiting…"));
      return card;
    }

    function send(file, card) {
      var bar = $("progress", card);
      var state = $(".upload-state", card);
      return new Promise(function (resolve) {
        function done(html, ok) {
          var fresh = swap(card, html);
          nameFile(fresh, file.name);
          resolve({ ok: ok, card: fresh });
        }
        if (file.size > maxBytes) {
          done(problemHtml("The file is too large", file.name + " is " + formatSize(file.size) +
            "; the limit is " + formatSize(maxBytes) + ". Send a smaller photo (a phone photo saved as JPEG fits)."), false);
          return;
        }
        var data = new FormData();
        data.append("csrf_token", form.elements.csrf_token.value);
        data.append("view", form.elements.view.value);
        data.append("side", form.elements.side.value);
        data.append("subject_ref", form.elements.subject_ref.value);
        data.append("image", file, file.name);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        xhr.setRequestHeader("X-Solescan-Fragment", "1");
        xhr.upload.addEventListener("progress", function (event) {
          if (!event.lengthComputable) return;
          var percent = Math.round((event.loaded / event.total) * 100);
          bar.value = percent;
          state.textContent = "Uploading… " + percent + "%";
        });
        xhr.upload.addEventListener("load", function () {
          bar.removeAttribute("value"); // indeterminate while the photo is analysed
          state.textContent = "Analysing…";
        });
        xhr.addEventListener("load", function () {
          var html = responseHtml(xhr.responseText, xhr.getResponseHeader("content-type"), xhr.status);
          done(html, xhr.status >= 200 && xhr.status < 300);
        });
        xhr.addEventListener("error", function () {
          done(problemHtml("Not sent", "Could not reach solescan. Check the connection and try again."), false);
        });
        state.textContent = "Uploading… 0%";
        xhr.send(data);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      if (!queue.length) {
        status.textContent = "Choose at least one photo first.";
        input.focus();
        return;
      }
      busy = true;
      submit.disabled = true;
      var files = queue.splice(0, queue.length);
      render();
      status.textContent = "Sending " + files.length + (files.length === 1 ? " photo…" : " photos…");
      var cards = files.map(progressCard);
      // Newest batch on top, in the order chosen.
      cards.slice().reverse().forEach(function (card) { results.insertBefore(card, results.firstChild); });
      var outcomes = [];
      files.reduce(function (previous, file, index) {
        return previous.then(function () {
          return send(file, cards[index]).then(function (outcome) { outcomes.push(outcome); });
        });
      }, Promise.resolve()).then(function () {
        var analysed = outcomes.filter(function (o) { return o.ok; }).length;
        var rejected = outcomes.length - analysed;
        status.textContent = analysed + (analysed === 1 ? " photo analysed" : " photos analysed") +
          (rejected ? ", " + rejected + " not analysed." : ".");
        busy = false;
        submit.disabled = false;
        var first = outcomes.length && $("h2, h3", outcomes[0].card);
        if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    var form = $("#upload-form");
    if (form) setUpUpload(form);
  });
})();

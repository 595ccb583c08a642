// The page of a background job (an import, an evaluation run): polls the job's status while
// it is queued or running, moves the progress bar, and once the job is finished opens what
// it made (``open_url`` of the status, if any) or reloads the page (which then shows the
// report or why it failed). The page's element with ``data-job-status-url`` names the status.
(function () {
  "use strict";
  var root = document.querySelector("[data-job-status-url]");
  if (!root) { return; }
  var url = root.getAttribute("data-job-status-url");
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var stage = document.getElementById("job-stage");
  var status = document.getElementById("job-status");
  var delay = 1000;

  function show(data) {
    if (bar) {
      bar.max = data.total || 100;
      bar.value = data.done || 0;
      bar.textContent = data.percent + "%";
    }
    if (percent) { percent.textContent = data.percent + "%"; }
    if (stage) { stage.textContent = data.stage || ""; }
    if (status) {
      status.textContent = data.status_label;
      status.className = "job-status job-" + data.status;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.open_url) {
          window.location.assign(data.open_url);
        } else if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();

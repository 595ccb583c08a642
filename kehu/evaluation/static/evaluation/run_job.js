// The page of an evaluation run in the background: polls the job while it is queued or
// running, moves the progress bar, and opens the run's dashboard once it is done (or
// reloads the page to show why it failed).
(function () {
  "use strict";
  var root = document.getElementById("evaluation-job");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
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
        if (data.run_url) {
          window.location.assign(data.run_url);
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

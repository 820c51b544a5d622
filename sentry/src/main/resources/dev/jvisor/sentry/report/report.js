"use strict";
// The page of `jvisor report --html`: one map view is shown at a time (every group folded, or
// one group expanded); the timeline's rows are filtered by process, socket and kind; an
// arrow shows the connections it stands for.
(function () {
  const views = Array.from(document.querySelectorAll(".map-view"));
  const rows = Array.from(document.querySelectorAll("#events tbody tr"));
  const connections = Array.from(document.querySelectorAll("details.connection"));
  const processFilter = document.getElementById("filter-process");
  const socketFilter = document.getElementById("filter-socket");
  const kindFilter = document.getElementById("filter-kind");
  const shownCount = document.getElementById("shown-count");
  const detailHint = document.getElementById("detail-hint");

  function showView(groupId) {
    for (const view of views) view.hidden = view.dataset.expanded !== groupId;
  }

  function filterTimeline() {
    const process = processFilter.value;
    const socket = socketFilter.value.trim();
    const kind = kindFilter.value;
    let shown = 0;
    for (const row of rows) {
      const byProcess = process === "" || row.dataset.group === process || "pid-" + row.dataset.pid === process;
      const bySocket = socket === "" || row.dataset.sockets.split(" ").includes(socket)
        || row.dataset.names.includes(socket);
      const byKind = kind === "" || row.dataset.kind === kind;
      row.hidden = !(byProcess && bySocket && byKind);
      if (!row.hidden) shown++;
    }
    shownCount.textContent = shown + " of " + rows.length + " events";
  }

  function showConnections(indexes) {
    const wanted = new Set(indexes);
    for (const c of connections) {
      const match = wanted.has(c.dataset.index);
      c.hidden = !match;
      c.open = match;
    }
    detailHint.textContent = indexes.length + " connection" + (indexes.length === 1 ? "" : "s")
      + " of this arrow; \"show all\" lists every one.";
  }

  function showAllConnections() {
    for (const c of connections) {
      c.hidden = false;
      c.open = false;
    }
    detailHint.textContent = "Click an arrow to see only its connections.";
  }

  function setProcess(value) {
    processFilter.value = value;
    filterTimeline();
  }

  document.getElementById("maps").addEventListener("click", (event) => {
    const edge = event.target.closest(".edge");
    if (edge) {
      const indexes = edge.dataset.connections.split(" ").filter((s) => s !== "");
      showConnections(indexes);
      return;
    }
    const node = event.target.closest(".node");
    if (!node) return;
    if (node.classList.contains("group") && !node.classList.contains("expanded")) {
      const group = node.dataset.node;
      if (views.some((view) => view.dataset.expanded === group)) showView(group);
      setProcess(group);
    } else if (node.classList.contains("expanded")) {
      showView("");
      setProcess("");
    } else if (node.classList.contains("process")) {
      setProcess("pid-" + node.dataset.pids);
    } else if (node.classList.contains("listener")) {
      socketFilter.value = node.dataset.name;
      filterTimeline();
    }
  });

  processFilter.addEventListener("change", filterTimeline);
  socketFilter.addEventListener("input", filterTimeline);
  kindFilter.addEventListener("change", filterTimeline);
  document.getElementById("filter-clear").addEventListener("click", () => {
    processFilter.value = "";
    socketFilter.value = "";
    kindFilter.value = "";
    showView("");
    filterTimeline();
    showAllConnections();
  });
  showView("");
  filterTimeline();
})();

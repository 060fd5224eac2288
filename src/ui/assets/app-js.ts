/**
 * The dashboard's browser script, plain ES2020 with no framework: keyboard-followable rows, the
 * identities search, the cytoscape trust graph, and the live decision log over server-sent events.
 * It never builds HTML from data: text goes through textContent. Served at /ui/assets/app.js and
 * inlined (with a CSP hash) in the audit report.
 */
export const APP_JS = `(function () {
  'use strict'
  var doc = document

  // Rows with data-href are focusable: Enter or a click follows them; arrow keys move between rows.
  function rows(from) {
    var body = from.closest('table')
    return body ? Array.prototype.filter.call(body.querySelectorAll('tr[tabindex]'), function (r) { return r.offsetParent !== null }) : []
  }
  doc.addEventListener('keydown', function (e) {
    var t = e.target
    if (!(t instanceof HTMLElement) || !t.matches('tr[tabindex]')) return
    if (e.key === 'Enter' && t.dataset.href) { location.href = t.dataset.href; return }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      var list = rows(t)
      var i = list.indexOf(t) + (e.key === 'ArrowDown' ? 1 : -1)
      if (i >= 0 && i < list.length) { list[i].focus(); e.preventDefault() }
    }
  })
  doc.addEventListener('click', function (e) {
    var t = e.target
    if (!(t instanceof Element) || t.closest('a,button,input,select,summary,details')) return
    var tr = t.closest('tr[data-href]')
    if (tr) location.href = tr.getAttribute('data-href')
  })

  // Search: every word must occur in the row's data-search text; empty row groups are hidden.
  var search = doc.getElementById('search')
  if (search) {
    var table = doc.getElementById(search.getAttribute('aria-controls'))
    var status = doc.getElementById('search-status')
    var apply = function () {
      var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean)
      var shown = 0
      Array.prototype.forEach.call(table.tBodies, function (tb) {
        var any = false
        Array.prototype.forEach.call(tb.querySelectorAll('tr[data-search]'), function (tr) {
          var text = tr.getAttribute('data-search')
          var ok = words.every(function (w) { return text.indexOf(w) >= 0 })
          tr.hidden = !ok
          if (ok) { any = true; shown++ }
        })
        tb.hidden = !any
      })
      if (status) status.textContent = shown + (shown === 1 ? ' binding' : ' bindings') + ' shown'
    }
    search.addEventListener('input', apply)
    if (search.value) apply()
  }

  // Trust graph: three columns (service accounts, roles, providers), laid out in place.
  var gEl = doc.getElementById('graph')
  var gData = doc.getElementById('graph-data')
  if (gEl && gData && typeof window.cytoscape === 'function') {
    var data = JSON.parse(gData.textContent)
    var col = { sa: 0, role: 1, 'missing-role': 1, provider: 2, service: 2 }
    var count = [0, 0, 0]
    var elements = []
    data.nodes.forEach(function (n) {
      var c = col[n.kind]
      var classes = [n.kind]
      if (n.tier) classes.push('tier-' + n.tier)
      if (n.wildcard) classes.push('wildcard')
      if (n.shared) classes.push('shared')
      elements.push({ group: 'nodes', data: { id: n.id, label: n.label + (n.tier ? ' (' + n.tier + ')' : ''), href: n.href || '', kind: n.kind }, classes: classes.join(' '), position: { x: c * 380, y: count[c]++ * 56 } })
    })
    data.edges.forEach(function (e) {
      elements.push({ group: 'edges', data: { id: e.id, source: e.source, target: e.target, label: e.label || '' }, classes: e.kind + (e.wide ? ' wide' : '') })
    })
    var cy = window.cytoscape({
      container: gEl,
      elements: elements,
      layout: { name: 'preset', fit: true, padding: 30 },
      style: [
        { selector: 'node', style: { label: 'data(label)', 'font-size': 11, color: '#1b1b1b', 'text-valign': 'bottom', 'text-margin-y': 4, 'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 2, width: 22, height: 22, 'border-width': 1, 'border-color': '#1b1b1b' } },
        { selector: 'node.sa', style: { shape: 'round-rectangle', 'background-color': '#0b57d0' } },
        { selector: 'node.role', style: { 'background-color': '#2e7d32' } },
        { selector: 'node.tier-P0', style: { 'background-color': '#6a1b9a' } },
        { selector: 'node.tier-P1', style: { 'background-color': '#b71c1c' } },
        { selector: 'node.tier-P2', style: { 'background-color': '#e65100' } },
        { selector: 'node.tier-P3', style: { 'background-color': '#8d6e63' } },
        { selector: 'node.missing-role', style: { 'background-color': '#ffffff', 'border-color': '#b71c1c', 'border-width': 3, 'border-style': 'dashed' } },
        { selector: 'node.provider', style: { shape: 'diamond', 'background-color': '#607d8b' } },
        { selector: 'node.service', style: { shape: 'tag', 'background-color': '#0b57d0', width: 26, height: 26 } },
        { selector: 'node.wildcard', style: { 'border-width': 5, 'border-color': '#6a1b9a', width: 28, height: 28 } },
        { selector: 'node.shared', style: { shape: 'hexagon', 'border-style': 'double', 'border-width': 6 } },
        { selector: 'edge', style: { width: 2, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'line-color': '#78909c', 'target-arrow-color': '#78909c' } },
        { selector: 'edge.bound', style: { 'line-color': '#1b5e20', 'target-arrow-color': '#1b5e20' } },
        { selector: 'edge.broken', style: { 'line-color': '#b71c1c', 'target-arrow-color': '#b71c1c', 'line-style': 'dotted', width: 3 } },
        { selector: 'edge.admitted', style: { 'line-color': '#8a4b00', 'target-arrow-color': '#8a4b00', 'line-style': 'dashed' } },
        { selector: 'edge.pod-identity', style: { 'line-color': '#0b57d0', 'target-arrow-color': '#0b57d0', 'line-style': 'dashed', 'line-dash-pattern': [8, 4], width: 2.5 } },
        { selector: 'edge.pod-identity-broken', style: { 'line-color': '#b71c1c', 'target-arrow-color': '#b71c1c', 'line-style': 'dashed', 'line-dash-pattern': [8, 4], width: 3 } },
        { selector: 'edge.wide', style: { 'line-color': '#6a1b9a', 'target-arrow-color': '#6a1b9a', width: 4, label: 'data(label)', 'font-size': 10, 'text-rotation': 'autorotate' } },
        { selector: ':selected', style: { 'overlay-opacity': 0.2, 'overlay-color': '#b35c00' } }
      ]
    })
    cy.on('tap', 'node', function (e) { var href = e.target.data('href'); if (href) location.href = href })
    window.irsaGraph = cy
    gEl.setAttribute('data-ready', 'true')
  }

  // Live decisions: server-sent events; each event is one decision as JSON, newest on top.
  var log = doc.getElementById('decisions')
  if (log && log.getAttribute('data-stream') && typeof EventSource === 'function') {
    var tbody = log.tBodies[0]
    var live = doc.getElementById('live-status')
    var setLive = function (text) { if (live) live.textContent = text }
    var td = function (tr, text, cls) {
      var c = doc.createElement('td')
      if (cls) { var s = doc.createElement('span'); s.className = cls; s.textContent = text; c.appendChild(s) } else c.textContent = text
      tr.appendChild(c)
      return c
    }
    var row = function (d) {
      var tr = doc.createElement('tr')
      tr.tabIndex = 0
      tr.className = 'new-row'
      tr.setAttribute('data-id', String(d.id))
      tr.setAttribute('data-outcome', d.outcome)
      td(tr, d.at.replace('T', ' ').replace(/\\.\\d+Z$/, 'Z'))
      td(tr, d.outcome, 'badge out-' + d.outcome)
      td(tr, d.action)
      var roleCell = td(tr, d.roleArn ? d.roleArn.slice(d.roleArn.lastIndexOf(':') + 1) : '')
      if (d.roleArn) roleCell.title = d.roleArn
      td(tr, d.subject || d.principal || '')
      var why = td(tr, '')
      if (d.code) { var b = doc.createElement('b'); b.textContent = d.code; why.appendChild(b); why.appendChild(doc.createTextNode(' ')) }
      why.appendChild(doc.createTextNode(d.reason || ''))
      if (d.statements && d.statements.length) {
        var sm = doc.createElement('div')
        sm.className = 'muted'
        sm.textContent = 'Deciding statement: ' + d.statements.join('; ')
        why.appendChild(sm)
      }
      return tr
    }
    var es = new EventSource(log.getAttribute('data-stream'))
    es.addEventListener('open', function () { setLive('Live: connected') })
    es.addEventListener('error', function () { setLive(es.readyState === 2 ? 'Live: disconnected (reload to retry)' : 'Live: reconnecting…') })
    es.addEventListener('decision', function (ev) {
      var d = JSON.parse(ev.data)
      if (tbody.querySelector('tr[data-id="' + String(d.id) + '"]')) return
      var empty = tbody.querySelector('tr.empty')
      if (empty) empty.remove()
      tbody.insertBefore(row(d), tbody.firstChild)
      while (tbody.rows.length > 500) tbody.deleteRow(tbody.rows.length - 1)
      var n = doc.getElementById('decision-count')
      if (n) n.textContent = String(tbody.querySelectorAll('tr[data-id]').length)
    })
    window.addEventListener('pagehide', function () { es.close() })
  }
})()
`

// Draw each dashboard chart from the Vega-Lite spec the page carries (the same figures are in the tables
// on the page, for anyone who cannot see or use the charts). vega-embed comes from npm, not a CDN.
document.querySelectorAll('.tc-chart').forEach(function (target) {
  const spec = document.getElementById(target.id.replace(/^chart-/, ''))
  if (spec && window.vegaEmbed) {
    window.vegaEmbed('#' + target.id, JSON.parse(spec.textContent), { actions: false, renderer: 'svg' })
  }
})

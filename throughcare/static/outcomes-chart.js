// Draw the person's outcome chart from the Vega-Lite spec the page carries (the same figures are in the
// tables on the page, for anyone who cannot see or use the chart). vega-embed comes from npm, not a CDN.
const spec = document.getElementById('outcome-chart-spec')
if (spec && window.vegaEmbed) {
  window.vegaEmbed('#outcome-chart', JSON.parse(spec.textContent), { actions: false, renderer: 'svg' })
}

// Branching on an assessment section page (and an outcome review page, whose fields are prefixed with their
// section): a question with data-show-if is shown only while the earlier question it depends on has the
// answer it needs. Without JavaScript every question shows, and the server drops answers to questions whose
// branch is closed.
const form = document.querySelector('[data-assessment-section]')

function answer (name) {
  const inputs = [...document.querySelectorAll(`[name="${name}"]`)]
  if (inputs.length === 0) return null
  if (inputs[0].type === 'checkbox') return inputs.filter(i => i.checked).map(i => i.value)
  if (inputs[0].type === 'radio') return (inputs.find(i => i.checked) || {}).value ?? null
  return inputs[0].value.trim() === '' ? null : inputs[0].value.trim()
}

function holds (rule, value) {
  if (value === null) return false
  if (rule.op === 'equals') return value === rule.value
  if (rule.op === 'in') return rule.value.includes(value)
  if (rule.op === 'includes') return Array.isArray(value) && value.includes(rule.value)
  return Number(value) > rule.value // gt
}

function update () {
  const hidden = new Set()
  for (const box of document.querySelectorAll('[data-show-if]')) {
    const rule = JSON.parse(box.dataset.showIf)
    const name = box.dataset.prefix ? `${box.dataset.prefix}-${rule.question}` : rule.question
    const show = !hidden.has(name) && holds(rule, answer(name))
    box.hidden = !show
    if (!show) {
      const input = box.querySelector('[name]')
      if (input) hidden.add(input.name.replace(/-(day|month|year)$/, ''))
    }
  }
}

if (form) {
  document.addEventListener('input', update)
  document.addEventListener('change', update)
  update()
}

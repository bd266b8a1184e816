// row appends a row of cells (text, or a Node) to the table body with id,
// with data as the row's data attributes: what both example pages draw.
export function row(id, cells, data = {}) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof Node) td.appendChild(c); else td.textContent = c ?? '';
    tr.appendChild(td);
  }
  Object.assign(tr.dataset, data);
  document.getElementById(id).appendChild(tr);
  return tr;
}

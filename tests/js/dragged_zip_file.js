// A DataTransfer holding one small file, fotos.zip: what a drag of a zip over an upload box carries.
() => {
  const d = new DataTransfer();
  d.items.add(new File(['x'], 'fotos.zip', {type: 'application/zip'}));
  return d;
}

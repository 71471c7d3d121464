// How many pixels of the canvas `c` are inked (red channel above 128).
(c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++;
  return n;
}

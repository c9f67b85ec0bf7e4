async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.images];
  for (const img of images) img.loading = 'eager';
  await Promise.all(images.map((img) => img.complete ? null :
    new Promise((resolve) => { img.onload = img.onerror = resolve; })));
  await document.fonts.ready;
}

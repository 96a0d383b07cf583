// Runs inside the rendered report (a test copy) and writes what Chromium computed into <body data-probe>.
(function () {
  const title = document.getElementById("report-title");
  const range = document.createRange();
  range.selectNodeContents(title);
  const titleBox = range.getBoundingClientRect();                // the text itself, not the h1 block
  const card = title.closest("table").getBoundingClientRect();
  const canvas = document.createElement("canvas");
  canvas.width = 80; canvas.height = 80;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.font = "48px " + getComputedStyle(title).fontFamily;
  const pixels = (text) => {
    ctx.clearRect(0, 0, 80, 80); ctx.fillText(text, 10, 60);
    return Array.from(ctx.getImageData(0, 0, 80, 80).data).join(",");
  };
  const missing = pixels("\u0378");                      // an unassigned code point: no font has it
  const characters = [...new Set([...document.body.innerText].filter((c) => c.trim() && c.codePointAt(0) > 127))];
  const word = title.textContent.trim();
  const isolated = [...word].reduce((sum, c) => sum + ctx.measureText(c).width, 0);
  document.body.setAttribute("data-probe", JSON.stringify({
    direction: getComputedStyle(title).direction,
    htmlDir: document.documentElement.dir,
    title: word,
    titleRightGap: card.right - titleBox.right,
    titleLeftGap: titleBox.left - card.left,
    checked: characters.length,
    missingGlyphs: characters.filter((c) => pixels(c) === missing),
    controlDetected: pixels("\u0379") === missing && pixels("\uE000\u0378") !== missing,
    joinedWidth: ctx.measureText(word).width,
    isolatedWidth: isolated,
    chart: (({ complete, naturalWidth, naturalHeight }) => ({ complete, naturalWidth, naturalHeight }))(
      document.getElementById("sentiment-chart")),
  }));
})();

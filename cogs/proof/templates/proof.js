/* {{ brand.title }} community widget: <script src=".../embed/proof.js" async></script> where it should appear.
   Optional: data-height="300" on the script tag. Inserts an iframe of /embed/proof next to the tag. */
(function () {
  var script = document.currentScript;
  if (!script) { return; }
  var frame = document.createElement("iframe");
  frame.src = script.src.replace(/\/embed\/proof\.js(\?.*)?$/, "/embed/proof");
  frame.title = {{ frame_title | tojson }};
  frame.loading = "lazy";
  frame.style.cssText = "display:block;width:100%;max-width:720px;border:0;height:" +
    (parseInt(script.getAttribute("data-height"), 10) || 300) + "px";
  script.parentNode.insertBefore(frame, script.nextSibling);
})();

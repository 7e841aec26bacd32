/// The feature browser's style and script, inlined into every page: the site opens from disk
/// with no network, no server and no CDN.
enum SiteAssets {
    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1100px;padding:12px 20px;color:#1d2327}
    h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #ddd}
    a{color:#1558b0;text-decoration:none}a:hover{text-decoration:underline}
    table{border-collapse:collapse;margin:4px 0 10px}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
    th{font-weight:600;background:#f6f7f8}.num{text-align:right;font-variant-numeric:tabular-nums}
    .muted{color:#667}.pill{display:inline-block;padding:0 6px;margin:1px;border-radius:8px;background:#eef2f7;font-size:12px}
    .ctx{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;line-height:1.7}
    .tok{padding:1px 0;border-radius:2px}.tok.hit{outline:2px solid #c0392b}
    .controls{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid #ddd;z-index:2}
    .controls input,.controls select{font-size:14px;margin-right:10px}
    details.node{border-left:3px solid #3b6fb6;margin:4px 0;padding:2px 8px}
    details.node>summary{cursor:pointer}details.node[open]{background:#fafbfc}
    .kids{margin:4px 0 8px 18px}.row.bottom{border-left:3px solid #999;padding:2px 8px;margin:3px 0}
    .hidden{display:none!important}
    """

    /// Sorting, filtering and search on the index; `?selftest=WORD` runs the checks the
    /// Chromium test reads back from `#selftest` (tree expands, search filters, no remote request).
    static let indexScript = """
    (function(){
    var q=document.getElementById('q'),sortBy=document.getElementById('sort'),minf=document.getElementById('minfreq');
    var lists=[document.getElementById('tree'),document.getElementById('unclaimed')];
    function visible(){var n=0;lists.forEach(function(l){for(var c of l.children){if(!c.classList.contains('hidden'))n++;}});return n;}
    function apply(){
      var s=q.value.trim().toLowerCase(),f=parseFloat(minf.value)||0,key=sortBy.value;
      lists.forEach(function(l){
        var items=Array.from(l.children);
        items.sort(function(a,b){if(key==='id')return (+a.dataset.index)-(+b.dataset.index);
          var d=(+b.dataset[key])-(+a.dataset[key]);return d!==0?d:(+a.dataset.index)-(+b.dataset.index);});
        items.forEach(function(it){
          var hit=!s||it.dataset.ids.split(' ').indexOf(s)>=0||it.dataset.text.indexOf(s)>=0;
          it.classList.toggle('hidden',!(hit&&(+it.dataset.freq)>=f));
          l.appendChild(it);});
      });
      document.getElementById('shown').textContent=visible();
    }
    q.addEventListener('input',apply);sortBy.addEventListener('change',apply);minf.addEventListener('input',apply);
    apply();
    // index.html#t17 opens top latent 17's node (links from latent pages and explain).
    // ?open=t3,t17 opens those nodes in place (for screenshots).
    var h=/^#t(\\d+)$/.exec(location.hash);if(h){var n=document.getElementById('t'+h[1]);if(n){n.open=true;n.scrollIntoView();}}
    var o=/[?&]open=([^&]*)/.exec(location.search);
    if(o){decodeURIComponent(o[1]).split(',').forEach(function(id){var n=document.getElementById(id);if(n)n.open=true;});}
    var m=/[?&]selftest=([^&]*)/.exec(location.search);
    if(m){
      var out={};var first=document.querySelector('#tree details.node');
      var kids=first?first.querySelector('.kids'):null;
      out.topNodes=document.querySelectorAll('#tree details.node').length;
      out.closedHeight=first?first.getBoundingClientRect().height:-1;out.kidsVisibleClosed=kids?kids.checkVisibility():null;
      if(first){first.querySelector('summary').click();}
      out.openHeight=first?first.getBoundingClientRect().height:-1;out.kidsVisibleOpen=kids?kids.checkVisibility():null;
      out.expands=first.open&&out.openHeight>out.closedHeight&&out.kidsVisibleOpen===true&&out.kidsVisibleClosed===false;
      out.before=visible();q.value=decodeURIComponent(m[1]);apply();out.after=visible();
      q.value='';apply();
      var urls=performance.getEntriesByType('resource').map(function(e){return e.name;});
      document.querySelectorAll('[src],[href]').forEach(function(e){urls.push(e.getAttribute('src')||e.getAttribute('href'));});
      out.remote=urls.filter(function(u){return /^(https?:|\\/\\/|wss?:|ftp:)/i.test(u);});
      out.resources=performance.getEntriesByType('resource').length;
      var pre=document.createElement('pre');pre.id='selftest';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);
    }
    })();
    """
}

/**
 * The dashboard's stylesheet. Colours meet WCAG AA (4.5:1 for text) on their backgrounds; status is
 * never told by colour alone (every badge carries its word). No web fonts, no external URLs.
 */
export const APP_CSS = `
:root{--fg:#1b1b1b;--muted:#4a4a4a;--bg:#f7f7f7;--card:#fff;--line:#d0d0d0;--link:#0b57d0;--focus:#b35c00;
--ok:#1b5e20;--bad:#b71c1c;--warn:#8a4b00;--crit:#6a1b9a;--info:#37474f}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--fg);background:var(--bg);line-height:1.45}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.top{background:#1f2933;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}
header.top .brand{font-weight:700;font-size:1.1rem;color:#fff;text-decoration:none}
header.top nav ul{list-style:none;display:flex;gap:1rem;margin:0;padding:0;flex-wrap:wrap}
header.top nav a{color:#fff;text-decoration:none;padding:.2rem .1rem;border-bottom:2px solid transparent}
header.top nav a[aria-current=page]{border-bottom-color:#ffb74d}
header.top form{margin-left:auto}
header.top button{background:transparent;color:#fff;border:1px solid #9aa5b1;border-radius:3px;padding:.2rem .6rem;cursor:pointer}
main{padding:1rem 1.5rem 3rem;max-width:1400px}
h1{font-size:1.5rem;margin:.6rem 0}
h2{font-size:1.2rem;margin:1.4rem 0 .5rem}
h3{font-size:1.05rem;margin:1rem 0 .4rem}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{border-bottom:1px solid var(--line);padding:.4rem .5rem;vertical-align:top;text-align:left}
thead th{background:#eceff1}
tbody tr[tabindex]:hover{background:#eef3fb}
tr.ns th{background:#e3e8ee;font-weight:600}
.badge,.status,.tier,.sev{display:inline-block;border-radius:3px;padding:0 .4rem;font-size:.82rem;white-space:nowrap;color:#fff;font-weight:600}
.status-working{background:var(--ok)}.status-broken{background:var(--bad)}.status-over-broad{background:var(--warn)}
.sev-critical{background:var(--crit)}.sev-high{background:var(--bad)}.sev-medium{background:var(--warn)}.sev-low{background:#01579b}.sev-info{background:var(--info)}
.tier-P0{background:var(--crit)}.tier-P1{background:var(--bad)}.tier-P2{background:var(--warn)}.tier-P3{background:#5d4037}.tier-P4{background:var(--ok)}
.out-Allow{background:var(--ok)}.out-Deny{background:var(--bad)}.out-Error{background:var(--warn)}
.muted,small{color:var(--muted)}
.controls{display:flex;gap:1rem;align-items:end;flex-wrap:wrap;margin:.5rem 0 1rem}
.controls label{display:flex;flex-direction:column;font-size:.9rem;gap:.2rem}
input,select,button{font:inherit}
input[type=search],input[type=text],input[type=password],select{padding:.3rem .4rem;border:1px solid #6b7280;border-radius:3px;background:#fff;color:var(--fg)}
button.primary{background:#0b57d0;color:#fff;border:0;border-radius:3px;padding:.4rem .9rem;cursor:pointer}
pre{background:#f1f3f4;padding:.6rem;overflow:auto;max-height:28rem;font-size:.82rem;border:1px solid var(--line)}
.__________cytoscape_container{position:relative}
.graph{height:620px;background:var(--card);border:1px solid var(--line)}
.legend{font-size:.9rem}
.legend .sw{display:inline-block;width:1.6rem;height:0;border-top:3px solid;vertical-align:middle;margin:0 .25rem}
.legend .sw-bound{border-top-color:#1b5e20}.legend .sw-broken{border-top-color:#b71c1c;border-top-style:dotted}.legend .sw-admitted{border-top-color:#8a4b00;border-top-style:dashed}.legend .sw-wide{border-top-color:#6a1b9a;border-top-width:5px}.legend .sw-podid{border-top-color:#0b57d0;border-top-style:dashed}.legend .sw-podid-broken{border-top-color:#b71c1c;border-top-style:dashed;border-top-width:4px}
.card{background:var(--card);border:1px solid var(--line);padding:.6rem 1rem;margin:.6rem 0}
.login{max-width:26rem;margin:3rem auto;background:var(--card);border:1px solid var(--line);padding:1.5rem}
.login fieldset{border:1px solid var(--line);margin:1rem 0;padding:.6rem 1rem}
.login label{display:block;margin:.5rem 0 .2rem}
.login input{width:100%}
.error{color:var(--bad);font-weight:600}
.live{font-size:.9rem}
details.perm summary{font-weight:600;cursor:pointer;margin:.4rem 0}
#decisions td:first-child{white-space:nowrap}#decisions td:last-child{min-width:24rem}
tr.new-row{animation:flash 1.2s ease-out}
@keyframes flash{from{background:#fff3c4}to{background:transparent}}
@media (prefers-reduced-motion:reduce){tr.new-row{animation:none}}
`

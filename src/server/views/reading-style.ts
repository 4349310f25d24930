/**
 * The console's look for reading: badges whose colour repeats what their shape and words say, a
 * header toned by the state, relative times, folded timeline rows, and a phone layout (390 px and
 * up) where nothing scrolls sideways, tables scroll or stack inside their own box (the incidents
 * list stacks: each incident a block, its state and approvals on screen), and every button is a
 * 44 px touch target.
 */
export const READING_CSS = `
h1{font-size:1.35em;overflow-wrap:anywhere;margin:.4em 0}
section h2{font-size:1.15em;margin:.3em 0 .4em}.pending h3{margin:.5em 0 .2em}
header{flex-wrap:wrap;row-gap:.3em}header form.inline{margin:0}
.badge{display:inline-block;border:1px solid;border-radius:999px;padding:.05em .65em;font-weight:600;white-space:nowrap}
.sev-P1{background:#fde7e9;color:#8a0012;border-color:#b00020}
.sev-P2{background:#fff0e0;color:#7a3300;border-color:#c75300}
.sev-P3{background:#fff8d6;color:#5c4a00;border-color:#b89600}
.sev-P4,.sev-none{background:#eef0f3;color:#3a3f47;border-color:#9aa1ab}
.tone-act{--tone:#b58900;--tone-bg:#fff6d9;--tone-ink:#5c4500}
.tone-work{--tone:#2f6fd6;--tone-bg:#e9f1fd;--tone-ink:#123d80}
.tone-calm{--tone:#1f8a78;--tone-bg:#e3f4f1;--tone-ink:#0d4f44}
.tone-done{--tone:#2e7d32;--tone-bg:#e6f4ea;--tone-ink:#1b4d1f}
.tone-off{--tone:#8a929c;--tone-bg:#eef0f3;--tone-ink:#3a3f47}
.badge.state{background:var(--tone-bg);color:var(--tone-ink);border-color:var(--tone)}
.badge.stuck{background:#fde7e9;color:#8a0012;border-color:#b00020}
section.header{border-left:6px solid var(--tone)}
section.header p{margin:.35em 0}
.badges{display:flex;flex-wrap:wrap;gap:.4em;align-items:center}
.told{color:#555;font-size:.9em}
.symptom{font-size:1.15em;font-weight:600}
.next{background:var(--tone-bg);color:var(--tone-ink);padding:.4em .6em;border-radius:4px}
.dues{color:#444;font-size:.95em}
.muted{color:#666;font-size:.9em}
time{text-decoration:underline dotted #999;text-underline-offset:2px}
.folded{display:inline-block;margin-left:.4em;color:#555;font-size:.9em;background:#f0f1f3;border-radius:3px;padding:0 .35em}
.timeline details{margin-top:.2em}.timeline summary{cursor:pointer;color:#444;font-size:.9em}
ul.raw{margin:.2em 0;padding-left:1.2em;font-size:.9em;color:#333}ul.raw li{overflow-wrap:anywhere}
.timeline tr.k-probe td{color:#333}.timeline td:nth-child(2){color:#666;font-size:.85em;text-transform:uppercase;letter-spacing:.03em}
.pending{border-top:1px solid #e3e5e8;padding-top:.3em}
pre,code{overflow-wrap:anywhere}
button{font:inherit;padding:.3em .9em;border:1px solid #8a929c;border-radius:4px;background:#fff;color:#1c1e21}
button:hover{background:#f0f1f3}
button[value=approved]{background:#1f5fbf;border-color:#1a4f9f;color:#fff;font-weight:600}button[value=approved]:hover{background:#1a4f9f}
button[value=rejected]{color:#8a0012;border-color:#b00020}
input:not([type=hidden]):not([type=checkbox]),select,textarea{font:inherit;padding:.3em .5em;border:1px solid #b8bec6;border-radius:4px}
.scroll{overflow-x:auto;max-width:100%}
form.inline{flex-wrap:wrap;align-items:center}
form.inline input:not([type=hidden]):not([type=checkbox]){flex:1 1 12em;min-width:0}
@media (max-width:700px){
  body{font-size:15px}
  h1{font-size:1.05em}
  form.inline input:not([type=hidden]):not([type=checkbox]){flex-basis:7em}
  header{padding:.4em .8em;gap:.2em .9em}header .who{display:none}
  header form.inline{margin-left:auto}
  main{padding:.5em .6em}
  section{padding:.5em .7em;margin:.7em 0}
  button,input:not([type=hidden]):not([type=checkbox]),select,textarea{min-height:44px;font-size:16px}
  button{min-width:44px;padding:0 .9em}
  summary{min-height:44px;line-height:44px}
  form.inline{display:flex;width:100%}
  table.timeline tr,#audit tr,#changes tr{display:block;border-bottom:1px solid #e3e5e8;padding:.3em 0}
  table.timeline td,#audit td,#changes td,#changes th,#audit th{display:inline;border:0;padding:.1em .3em}
  table.timeline td:last-child,#audit td:last-child{display:block}
  #audit tr:first-child,#changes tr:first-child{display:none}
  table:not(.timeline):not(#audit){display:block;overflow-x:auto}
  #changes td code{display:block}
  #incidents,#incidents tbody{display:block}#incidents thead{display:none}
  #incidents tr{display:block;border-bottom:1px solid #e3e5e8;padding:.45em 0}
  #incidents td{display:inline-block;border:0;padding:.15em .5em .15em 0;vertical-align:middle}
  #incidents td:first-child{display:block;font-weight:600;overflow-wrap:anywhere}
  #incidents td[data-label]::before{content:attr(data-label) " ";color:#666;font-size:.85em}
  header>a:first-child{display:none}
  .pending pre{font-size:13px;padding:.4em .5em}
  label.field{font-size:0}
}
`;

// Solves the self-check proof-of-work challenge (ALTCHA format) so the person does not have to answer the
// text question. Optional: without JavaScript the form shows the text question instead (see app/challenge.py).
(function () {
  "use strict";

  // SHA-256 for pages served over plain HTTP, where crypto.subtle is unavailable (not a secure context).
  var K = [];
  (function () {
    var n = 2, found = 0;
    function frac(x) { return ((x - Math.floor(x)) * 4294967296) | 0; }
    while (found < 64) {
      var prime = true;
      for (var d = 2; d * d <= n; d++) { if (n % d === 0) { prime = false; break; } }
      if (prime) { K[found++] = frac(Math.pow(n, 1 / 3)); }
      n++;
    }
  })();

  function sha256Hex(text) {
    var bytes = new TextEncoder().encode(text);
    var len = bytes.length, withPad = ((len + 9 + 63) >> 6) << 6;
    var m = new Uint8Array(withPad);
    m.set(bytes); m[len] = 0x80;
    var bits = len * 8;
    m[withPad - 4] = (bits >>> 24) & 255; m[withPad - 3] = (bits >>> 16) & 255;
    m[withPad - 2] = (bits >>> 8) & 255; m[withPad - 1] = bits & 255;
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    function rotr(x, r) { return (x >>> r) | (x << (32 - r)); }
    for (var off = 0; off < withPad; off += 64) {
      for (var i = 0; i < 16; i++) {
        var j = off + i * 4;
        w[i] = (m[j] << 24) | (m[j + 1] << 16) | (m[j + 2] << 8) | m[j + 3];
      }
      for (i = 16; i < 64; i++) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    return h.map(function (x) { return ("00000000" + (x >>> 0).toString(16)).slice(-8); }).join("");
  }

  // The same hash, specialised for the search: the salt's bytes are laid out once, each try writes only
  // its digits, and the result is compared word by word with the target instead of as hex. A message
  // that fits one 64-byte block (every challenge Netra issues) is about 30 times faster this way than
  // through sha256Hex; a longer one falls back to it.
  function makeTester(challenge) {
    var prefix = new TextEncoder().encode(challenge.salt);
    var room = String(challenge.maxnumber).length;
    if (prefix.length + room + 9 > 64) {
      return function (n) { return sha256Hex(challenge.salt + n) === challenge.challenge; };
    }
    var target = new Int32Array(8), i;
    for (i = 0; i < 8; i++) { target[i] = parseInt(challenge.challenge.substr(i * 8, 8), 16) | 0; }
    var m = new Uint8Array(64), w = new Int32Array(64);
    m.set(prefix);
    return function (n) {
      var digits = String(n), len = prefix.length + digits.length, i, j;
      for (i = 0; i < digits.length; i++) { m[prefix.length + i] = digits.charCodeAt(i); }
      m[len] = 0x80;
      for (i = len + 1; i < 60; i++) { m[i] = 0; }
      var bits = len * 8;
      m[60] = (bits >>> 24) & 255; m[61] = (bits >>> 16) & 255; m[62] = (bits >>> 8) & 255; m[63] = bits & 255;
      for (i = 0; i < 16; i++) {
        j = i * 4;
        w[i] = (m[j] << 24) | (m[j + 1] << 16) | (m[j + 2] << 8) | m[j + 3];
      }
      for (i = 16; i < 64; i++) {
        var x = w[i - 15], y = w[i - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = 0x6a09e667, b = 0xbb67ae85 | 0, c = 0x3c6ef372, d = 0xa54ff53a | 0;
      var e = 0x510e527f, f = 0x9b05688c | 0, g = 0x1f83d9ab, h = 0x5be0cd19;
      for (i = 0; i < 64; i++) {
        var t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      return ((a + 0x6a09e667) | 0) === target[0] && ((b + 0xbb67ae85) | 0) === target[1] &&
        ((c + 0x3c6ef372) | 0) === target[2] && ((d + 0xa54ff53a) | 0) === target[3] &&
        ((e + 0x510e527f) | 0) === target[4] && ((f + 0x9b05688c) | 0) === target[5] &&
        ((g + 0x1f83d9ab) | 0) === target[6] && ((h + 0x5be0cd19) | 0) === target[7];
    };
  }

  function solve(challenge) {
    // Hash in slices of about 50 ms and yield to the browser between them, so the page stays responsive.
    // Slices by time, not by count: browsers clamp chained setTimeout calls to 4 ms or more, which with
    // small fixed slices doubled the solving time on a fast machine.
    return new Promise(function (resolve, reject) {
      var n = 0, test = makeTester(challenge);
      function step() {
        var until = Date.now() + 50;
        while (n <= challenge.maxnumber) {
          var stop = Math.min(n + 1000, challenge.maxnumber + 1);
          for (; n < stop; n++) {
            if (test(n)) { resolve(n); return; }
          }
          if (Date.now() >= until) { setTimeout(step, 0); return; }
        }
        reject(new Error("no solution"));
      }
      step();
    });
  }

  var box = document.getElementById("altcha");
  if (!box || !window.TextEncoder || !window.Promise) { return; }
  var form = box.form;
  var challenge = JSON.parse(box.getAttribute("data-challenge"));
  var status = document.getElementById("altcha-status");
  var question = document.getElementById("text-challenge");
  var solved = null;

  if (question) {
    question.hidden = true;
    var answer = question.querySelector('input[name="jawaban"]');
    if (answer) { answer.required = false; }
  }
  if (status) { status.textContent = "Memverifikasi perangkat Anda…"; }

  solved = solve(challenge).then(function (number) {
    box.value = btoa(JSON.stringify({
      algorithm: challenge.algorithm, challenge: challenge.challenge, number: number,
      salt: challenge.salt, signature: challenge.signature
    }));
    if (status) { status.textContent = "Verifikasi selesai."; }
  }, function () {
    // Fall back to the text question.
    if (question) { question.hidden = false; }
    if (answer) { answer.required = true; }
    if (status) { status.textContent = ""; }
  });

  form.addEventListener("submit", function (event) {
    if (box.value) { return; }
    event.preventDefault();
    solved.then(function () { form.submit(); });
  });
})();

/* Sotto browser call page: one audio call to the daemon that serves it.
 *
 * Signalling is WHIP-like and non-trickle: the daemon takes one complete
 * offer (POST /v1/calls, application/sdp) and returns one answer (201,
 * Location = the call), so ICE gathering finishes before the POST. The
 * call ends with DELETE <Location>. The bearer token comes only from the
 * password field, never from the page itself.
 *
 * window.sottoCall is a read-only snapshot (state, connection, stats) for
 * people debugging from the console and for automated interop tests. */
'use strict';

(function () {
  const STATS_INTERVAL_MS = 1000;    /* stats panel refresh */
  const FIRST_AUDIO_POLL_MS = 50;    /* finer polling until audio first plays */
  const GATHER_TIMEOUT_MS = 5000;    /* send what was gathered by then */
  const REQUEST_TIMEOUT_MS = 15000;  /* POST and DELETE; the daemon may ring first */
  const DISCONNECTED_GRACE_MS = 8000; /* ICE may recover from a short outage */

  const el = (id) => document.getElementById(id);
  const ui = {
    form: el('call-form'),
    token: el('token'),
    processing: el('processing'),
    call: el('call'),
    hangup: el('hangup'),
    state: el('state'),
    levelIn: el('level-in'),
    levelOut: el('level-out'),
    remote: el('remote'),
    codec: el('stat-codec'),
    bitrateIn: el('stat-bitrate-in'),
    bitrateOut: el('stat-bitrate-out'),
    packets: el('stat-packets'),
    lost: el('stat-lost'),
    jitter: el('stat-jitter'),
    rtt: el('stat-rtt'),
    jb: el('stat-jb'),
    concealed: el('stat-concealed'),
    firstAudio: el('stat-first-audio'),
  };

  const snapshot = {
    state: 'idle',          /* idle, calling, connecting, connected, ended, error */
    message: 'Idle',
    connectionState: null,  /* RTCPeerConnection.connectionState */
    dtlsState: null,        /* RTCDtlsTransport.state of the audio sender */
    location: null,         /* the call's URL once answered */
    firstAudioMs: null,     /* click to first decoded audio with energy */
    stats: null,            /* latest summary, see summarize() */
  };
  window.sottoCall = snapshot;

  /* The call in progress, or null. Async steps check that they still
   * belong to it, so a hang-up during a step cannot be undone by it. */
  let session = null;

  function setState(state, message) {
    snapshot.state = state;
    snapshot.message = message;
    ui.state.dataset.state = state;
    ui.state.textContent = message;
  }

  function authHeaders(token) {
    return token ? { Authorization: 'Bearer ' + token } : {};
  }

  async function request(url, init) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      return await fetch(url, Object.assign({
        credentials: 'omit', cache: 'no-store', signal: abort.signal,
      }, init));
    } finally {
      clearTimeout(timer);
    }
  }

  function gatheringComplete(pc) {
    if (pc.iceGatheringState === 'complete')
      return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      };
      const check = () => {
        if (pc.iceGatheringState === 'complete')
          done();
      };
      const timer = setTimeout(done, GATHER_TIMEOUT_MS);
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  /* The daemon's reason is plain text; keep it short and never as HTML. */
  async function failureText(resp) {
    let body = '';
    try {
      body = (await resp.text()).slice(0, 200);
    } catch (e) {
      body = '';
    }
    if (resp.status === 401)
      return 'The daemon wants an access token (or a different one).';
    return 'The daemon refused the call (HTTP ' + resp.status + ')' + (body ? ': ' + body : '.');
  }

  /* Only a call URL on this page's origin is ever sent a DELETE. */
  function sameOriginUrl(location) {
    if (!location)
      return null;
    const url = new URL(location, window.location.href);
    return url.origin === window.location.origin ? url.href : null;
  }

  async function startCall(event) {
    event.preventDefault();
    if (session)
      return;
    const s = {
      pc: null, stream: null, location: null, token: ui.token.value.trim(),
      clickAt: performance.now(), timers: [], prev: null, disconnectedAt: null, ended: false,
    };
    session = s;
    snapshot.location = null;
    snapshot.firstAudioMs = null;
    snapshot.stats = null;
    ui.call.disabled = true;
    ui.hangup.disabled = false;
    clearStats();
    try {
      setState('calling', 'Asking for the microphone…');
      const processing = ui.processing.checked;
      s.stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          echoCancellation: processing, noiseSuppression: processing, autoGainControl: processing,
        },
        video: false,
      });
      if (s.ended)
        return;
      await negotiate(s);
    } catch (err) {
      if (!s.ended)
        endSession(s, 'error', callError(err));
    }
  }

  function callError(err) {
    if (err && err.name === 'NotAllowedError')
      return 'Microphone access was refused.';
    if (err && err.name === 'NotFoundError')
      return 'No microphone found.';
    if (err && err.name === 'AbortError')
      return 'The daemon did not answer in time.';
    return (err && err.message) ? err.message : String(err);
  }

  async function negotiate(s) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    s.pc = pc;
    for (const track of s.stream.getAudioTracks())
      pc.addTransceiver(track, { direction: 'sendrecv', streams: [s.stream] });
    pc.addEventListener('track', (e) => {
      ui.remote.srcObject = e.streams[0] || new MediaStream([e.track]);
    });
    pc.addEventListener('connectionstatechange', () => onConnectionState(s));

    setState('calling', 'Finding network addresses…');
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc);
    if (s.ended)
      return;

    setState('calling', 'Calling…');
    const resp = await request('/v1/calls', {
      method: 'POST',
      headers: Object.assign({ 'Content-Type': 'application/sdp' }, authHeaders(s.token)),
      body: pc.localDescription.sdp,
    });
    const location = sameOriginUrl(resp.headers.get('Location'));
    if (s.ended) {
      /* Hung up while the daemon was answering: end its side too. */
      if (resp.status === 201 && location)
        request(location, { method: 'DELETE', headers: authHeaders(s.token) }).catch(() => {});
      return;
    }
    if (resp.status !== 201)
      throw new Error(await failureText(resp));
    s.location = location;
    snapshot.location = location;
    await pc.setRemoteDescription({ type: 'answer', sdp: await resp.text() });
    if (s.ended)
      return;
    watchDtls(s);
    if (!s.ended && pc.connectionState !== 'connected')
      setState('connecting', 'Connecting…');
    s.timers.push(setInterval(() => updateStats(s), STATS_INTERVAL_MS));
    pollFirstAudio(s);
  }

  /* The daemon hanging up sends a DTLS close_notify: the transport closes
   * at once, before ICE consent would time out. */
  function watchDtls(s) {
    const sender = s.pc.getSenders()[0];
    const transport = sender && sender.transport;
    if (!transport)
      return;
    const check = () => {
      snapshot.dtlsState = transport.state;
      if (!s.ended && (transport.state === 'closed' || transport.state === 'failed'))
        endSession(s, 'ended', 'Call ended by the other side.');
    };
    transport.addEventListener('statechange', check);
    check();
  }

  function onConnectionState(s) {
    if (s.ended)
      return;
    const state = s.pc.connectionState;
    snapshot.connectionState = state;
    if (state === 'connected') {
      s.disconnectedAt = null;
      setState('connected', 'In call');
    } else if (state === 'disconnected') {
      s.disconnectedAt = performance.now();
      setState('connecting', 'Connection interrupted, waiting…');
      s.timers.push(setTimeout(() => {
        if (!s.ended && s.pc.connectionState === 'disconnected')
          endSession(s, 'ended', 'Call ended: the connection was lost.');
      }, DISCONNECTED_GRACE_MS));
    } else if (state === 'failed') {
      endSession(s, 'ended', 'Call ended: the connection failed.');
    } else if (state === 'closed') {
      endSession(s, 'ended', 'Call ended.');
    }
  }

  async function hangUp() {
    const s = session;
    if (!s || s.ended)
      return;
    setState(snapshot.state, 'Hanging up…');
    ui.hangup.disabled = true;
    s.ended = true;
    if (s.location) {
      try {
        await request(s.location, { method: 'DELETE', headers: authHeaders(s.token) });
      } catch (e) {
        /* The daemon ends the call anyway once ICE consent stops. */
      }
    }
    endSession(s, 'ended', 'Call ended.');
  }

  /* Idempotent: releases the microphone, the connection and the timers. */
  function endSession(s, state, message) {
    s.ended = true;
    for (const t of s.timers) {
      clearInterval(t);
      clearTimeout(t);
    }
    s.timers = [];
    if (s.pc) {
      s.pc.close();
      snapshot.connectionState = s.pc.connectionState;
    }
    if (s.stream)
      for (const track of s.stream.getTracks())
        track.stop();
    ui.remote.srcObject = null;
    ui.levelIn.value = 0;
    ui.levelOut.value = 0;
    if (session === s)
      session = null;
    ui.call.disabled = false;
    ui.hangup.disabled = true;
    setState(state, message);
  }

  function pollFirstAudio(s) {
    const poll = async () => {
      if (s.ended || snapshot.firstAudioMs !== null)
        return;
      const report = await s.pc.getStats();
      let heard = false;
      report.forEach((st) => {
        if (st.type === 'inbound-rtp' && st.kind === 'audio' && st.packetsReceived > 0 &&
            st.totalAudioEnergy > 0)
          heard = true;
      });
      if (heard) {
        snapshot.firstAudioMs = Math.round(performance.now() - s.clickAt);
        ui.firstAudio.textContent = snapshot.firstAudioMs + ' ms';
      } else {
        s.timers.push(setTimeout(poll, FIRST_AUDIO_POLL_MS));
      }
    };
    poll();
  }

  /* One flat summary of getStats(): cumulative counters as the browser
   * reports them, rates over the last interval, times in milliseconds. */
  function summarize(report, prev) {
    let inbound = null;
    let outbound = null;
    let source = null;
    let remoteInbound = null;
    let pair = null;
    const byId = new Map();
    report.forEach((st) => {
      byId.set(st.id, st);
      if (st.type === 'inbound-rtp' && st.kind === 'audio')
        inbound = st;
      else if (st.type === 'outbound-rtp' && st.kind === 'audio')
        outbound = st;
      else if (st.type === 'media-source' && st.kind === 'audio')
        source = st;
      else if (st.type === 'remote-inbound-rtp' && st.kind === 'audio')
        remoteInbound = st;
    });
    report.forEach((st) => {
      if (st.type === 'transport' && st.selectedCandidatePairId)
        pair = byId.get(st.selectedCandidatePairId) || null;
    });
    const now = performance.now();
    const sum = {
      at: now,
      codec: null, bytesReceived: 0, bytesSent: 0, packetsReceived: 0, packetsLost: 0,
      jitterMs: null, rttMs: null, jitterBufferDelay: 0, jitterBufferEmittedCount: 0,
      jitterBufferMs: null, jitterBufferNowMs: null, concealedSamples: 0,
      totalSamplesReceived: 0, concealmentRatio: null, totalAudioEnergy: 0,
      levelIn: null, levelOut: null, bitrateInBps: null, bitrateOutBps: null,
      localCandidate: null, remoteCandidate: null,
    };
    if (inbound) {
      const codec = inbound.codecId && byId.get(inbound.codecId);
      sum.codec = codec ? codec.mimeType.replace(/^audio\//, '') + '/' + codec.clockRate : null;
      sum.bytesReceived = inbound.bytesReceived || 0;
      sum.packetsReceived = inbound.packetsReceived || 0;
      sum.packetsLost = inbound.packetsLost || 0;
      sum.jitterMs = inbound.jitter !== undefined ? inbound.jitter * 1000 : null;
      sum.jitterBufferDelay = inbound.jitterBufferDelay || 0;
      sum.jitterBufferEmittedCount = inbound.jitterBufferEmittedCount || 0;
      if (sum.jitterBufferEmittedCount > 0)
        sum.jitterBufferMs = 1000 * sum.jitterBufferDelay / sum.jitterBufferEmittedCount;
      sum.concealedSamples = inbound.concealedSamples || 0;
      sum.totalSamplesReceived = inbound.totalSamplesReceived || 0;
      if (sum.totalSamplesReceived > 0)
        sum.concealmentRatio = sum.concealedSamples / sum.totalSamplesReceived;
      sum.totalAudioEnergy = inbound.totalAudioEnergy || 0;
      sum.levelOut = inbound.audioLevel !== undefined ? inbound.audioLevel : null;
    }
    if (outbound)
      sum.bytesSent = outbound.bytesSent || 0;
    if (source && source.audioLevel !== undefined)
      sum.levelIn = source.audioLevel;
    if (remoteInbound && remoteInbound.roundTripTime !== undefined)
      sum.rttMs = remoteInbound.roundTripTime * 1000;
    else if (pair && pair.currentRoundTripTime !== undefined)
      sum.rttMs = pair.currentRoundTripTime * 1000;
    if (pair) {
      const local = byId.get(pair.localCandidateId);
      const remote = byId.get(pair.remoteCandidateId);
      sum.localCandidate = local ? local.candidateType + ' ' + local.address + ':' + local.port : null;
      sum.remoteCandidate = remote ? remote.candidateType + ' ' + remote.address + ':' + remote.port : null;
    }
    if (prev && now > prev.at) {
      const seconds = (now - prev.at) / 1000;
      sum.bitrateInBps = 8 * (sum.bytesReceived - prev.bytesReceived) / seconds;
      sum.bitrateOutBps = 8 * (sum.bytesSent - prev.bytesSent) / seconds;
      const emitted = sum.jitterBufferEmittedCount - prev.jitterBufferEmittedCount;
      if (emitted > 0)
        sum.jitterBufferNowMs = 1000 * (sum.jitterBufferDelay - prev.jitterBufferDelay) / emitted;
    }
    return sum;
  }

  async function updateStats(s) {
    if (s.ended)
      return;
    let report;
    try {
      report = await s.pc.getStats();
    } catch (e) {
      return;
    }
    if (s.ended)
      return;
    const sum = summarize(report, s.prev);
    s.prev = sum;
    snapshot.stats = sum;
    showStats(sum);
  }

  function fixed(value, digits, unit) {
    return value === null || value === undefined || !isFinite(value)
      ? '–' : value.toFixed(digits) + unit;
  }

  function kbps(bps) {
    return bps === null ? '–' : (bps / 1000).toFixed(1) + ' kbit/s';
  }

  function showStats(sum) {
    ui.codec.textContent = sum.codec || '–';
    ui.bitrateIn.textContent = kbps(sum.bitrateInBps);
    ui.bitrateOut.textContent = kbps(sum.bitrateOutBps);
    ui.packets.textContent = String(sum.packetsReceived);
    ui.lost.textContent = String(sum.packetsLost);
    ui.jitter.textContent = fixed(sum.jitterMs, 1, ' ms');
    ui.rtt.textContent = fixed(sum.rttMs, 1, ' ms');
    ui.jb.textContent = fixed(sum.jitterBufferNowMs !== null ? sum.jitterBufferNowMs
      : sum.jitterBufferMs, 0, ' ms');
    ui.concealed.textContent = sum.concealmentRatio === null
      ? '–' : (100 * sum.concealmentRatio).toFixed(2) + ' %';
    ui.levelIn.value = sum.levelIn || 0;
    ui.levelOut.value = sum.levelOut || 0;
  }

  function clearStats() {
    for (const key of ['codec', 'bitrateIn', 'bitrateOut', 'packets', 'lost', 'jitter', 'rtt',
      'jb', 'concealed', 'firstAudio'])
      ui[key].textContent = '–';
    ui.levelIn.value = 0;
    ui.levelOut.value = 0;
  }

  ui.form.addEventListener('submit', startCall);
  ui.hangup.addEventListener('click', hangUp);
  window.addEventListener('pagehide', () => {
    /* Leaving the page: tell the daemon, which would otherwise wait for
     * ICE consent to run out. keepalive lets the request outlive the page. */
    const s = session;
    if (s && s.location && !s.ended)
      fetch(s.location, {
        method: 'DELETE', headers: authHeaders(s.token), keepalive: true, credentials: 'omit',
      }).catch(() => {});
  });
}());

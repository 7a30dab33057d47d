// keycard demo, the only script: the live countdown, and noticing that another window logged
// this user out everywhere. The page works without it (the countdown then shows the time at load).

const countdown = document.getElementById('countdown')
function tick() {
  const left = Number(countdown.dataset.expires) - Date.now()
  const s = Math.max(0, Math.floor(left / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  countdown.textContent = left <= 0 ? 'expired' : `${h} h ${String(m).padStart(2, '0')} min ${String(s % 60).padStart(2, '0')} s`
}
if (countdown) {
  tick()
  setInterval(tick, 1000)
}

// Logged in: ask the server every 2 s whether this session still stands. After "log out
// everywhere" elsewhere the cookie is refused (ERR_REVOKED) and keycard clears it; say so.
// Stopped as soon as a form is submitted, so a poll never races the form's own request.
let poll
if (document.body.dataset.user) {
  poll = setInterval(async () => {
    const response = await fetch('/status', { credentials: 'same-origin', cache: 'no-store' })
    const status = await response.json()
    if (status.user !== null) return
    clearInterval(poll)
    const live = document.getElementById('live')
    live.textContent = status.refused
      ? `This session was refused (${status.refused}): it was logged out from another window. Reload to start afresh.`
      : 'This session has ended. Reload to start afresh.'
  }, 2000)
}
document.addEventListener('submit', () => clearInterval(poll))
window.addEventListener('pagehide', () => clearInterval(poll))

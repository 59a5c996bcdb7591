// edge-cloud console: live updates. Every few seconds, asks the server for this page's live region again (same URL,
// X-Console-Fragment header, the session cookie) and swaps it in when it changed; it leaves the region alone while
// something in it has the keyboard focus, and reloads to the sign-in page when the session has ended.
(() => {
    "use strict";
    const live = document.getElementById("live");
    if (!live) {
        return;
    }

    const every = Number(live.dataset.live) || 3000;
    let last = null;
    let busy = false;

    async function refresh() {
        if (busy || document.hidden || live.contains(document.activeElement)) {
            return;
        }

        busy = true;
        try {
            const response = await fetch(location.href, { headers: { "X-Console-Fragment": "1" }, credentials: "same-origin", cache: "no-store" });
            if (response.status === 401) {
                location.reload();
                return;
            }

            if (response.ok) {
                const html = await response.text();
                if (html !== last) {
                    live.innerHTML = html;
                    last = html;
                }

                live.dataset.updated = new Date().toISOString();
            }
        } catch {
            // the cloud is unreachable for a moment: try again at the next tick
        } finally {
            busy = false;
        }
    }

    refresh();
    setInterval(refresh, every);
})();

// The clip labelling page: space plays or pauses, y = the clip's keyword was said (and speech), n = no keyword,
// s = toggles "holds speech", j / k = next / previous clip. Keys typed into the keywords field are left alone.
(() => {
    "use strict";
    const clip = document.querySelector("[data-clip-label]");
    if (!clip) {
        return;
    }

    const audio = clip.querySelector("audio");
    const form = clip.querySelector("form");
    const keywords = form.querySelector("#keywords");
    const speech = form.querySelector("#speech");
    document.addEventListener("keydown", (e) => {
        if (e.target === keywords || e.ctrlKey || e.metaKey || e.altKey) {
            return;
        }

        switch (e.key) {
            case " ":
                e.preventDefault();
                if (audio.paused) { audio.play(); } else { audio.pause(); }
                break;
            case "y":
                keywords.value = clip.dataset.keyword || keywords.value;
                speech.checked = true;
                form.requestSubmit();
                break;
            case "n":
                keywords.value = "";
                form.requestSubmit();
                break;
            case "s":
                speech.checked = !speech.checked;
                break;
            case "j":
                if (clip.dataset.next) { location.href = clip.dataset.next; }
                break;
            case "k":
                if (clip.dataset.previous) { location.href = clip.dataset.previous; }
                break;
            default:
                return;
        }
    });
})();

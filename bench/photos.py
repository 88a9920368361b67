"""Benchmark: photos. What a reader downloads, what a Save costs, what a build
costs, how much memory resizing takes, what each format saves.

    .venv/bin/python bench/photos.py                        # everything
    .venv/bin/python bench/photos.py --against 5cf6dcb      # bytes and Save -> live, both engines
    .venv/bin/python bench/photos.py --photos 40 --stories 2000

  bytes    a story page and the front page with one 12 MP camera photo
           (4000 x 3000, EXIF, GPS) as lead, loaded in Chromium (Playwright)
           as a phone (390 CSS px, DPR 3) and a desktop (1280 px, DPR 1),
           scrolled to the end: the bytes of every image response, and of
           the lead photo alone. Budget: under 250 KB (phone), 450 KB
           (desktop) for that photo.
  save     Save -> story page live for a new 12 MP photo (budget 3 s) and
           for an edit that keeps it: the photo stored, the row saved, the
           publish done (median of --repeats).
  build    (this engine) the demo with --stories and --photos distinct
           camera photos: first build (renditions made), second build
           (none made), and a build of a copy of the site without them,
           in turn (--repeats rounds).
  memory   (this engine) peak RSS of a process making one 12 MP photo's
           renditions (draft decoding).
  formats  (this engine) bytes of WebP and AVIF against JPEG q82 at the same
           SSIM (luma, 7x7 windows, numpy), at 1280 px.

Each engine runs on its own scratch SQLite database and media folder under
--out (default /tmp, on disk).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import against

ROOT = Path(__file__).resolve().parents[1]


def camera_module():
    """content/demo/camera.py of this tree (no Django in it), for any engine."""
    spec = importlib.util.spec_from_file_location("camera", ROOT / "content/demo/camera.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup_django() -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    import django

    django.setup()


# -- child: runs inside the engine's tree ------------------------------------------


def child_reader(repeats: int) -> None:
    setup_django()
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from content.models import Author, Byline, Section, Story
    from publisher.publish import process_queue

    camera = camera_module()
    saves, edits = [], []
    story = None
    for i in range(repeats):
        data = camera.camera_photo((4000, 3000), orientation=1, shade=i + 1)
        started = time.perf_counter()
        story = Story(
            headline=f"Lantern walk {i}", slug=f"lantern-walk-{i}", status="published",
            section=Section.objects.first(), body="Families walked downtown.",
            publish_at=timezone.now(), photo_alt="Lanterns on Main Street",
        )  # fmt: skip
        story.photo.save(f"lanterns-{i}.jpg", ContentFile(data), save=False)
        story.save()
        Byline.objects.create(story=story, author=Author.objects.first())
        process_queue()
        saves.append(time.perf_counter() - started)
        started = time.perf_counter()
        story.headline += " (updated)"
        story.save()
        process_queue()
        edits.append(time.perf_counter() - started)
    print(json.dumps({"save": saves, "edit": edits, "story": story.get_absolute_url()}))


def child_memory() -> None:
    setup_django()
    from PIL import Image, ImageCms  # noqa: F401 (loaded before the baseline)

    from publisher import renditions

    path = renditions.store() / "bench-memory.jpg"  # written by the parent
    data = path.read_bytes()
    base = next(  # the RSS now (the peak so far may be start-up's)
        int(line.split()[1])
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    started = time.perf_counter()
    renditions.make(path, renditions.digest_bytes(data))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kb": base, "peak_kb": peak, "seconds": seconds}))


def child_photos(count: int) -> None:
    """Give ``count`` published stories a distinct camera photo each."""
    setup_django()
    from django.core.files.base import ContentFile

    from content.models import Story

    camera = camera_module()
    stories = Story.objects.published().order_by("-publish_at")[:count]
    for i, story in enumerate(stories):
        data = camera.camera_photo((4000, 3000), orientation=1 if i % 3 else 6, shade=i % 250)
        story.photo.save(f"camera-{i:04d}.jpg", ContentFile(data), save=False)
        story.photo_alt = story.photo_alt or "A camera photo"
        Story.objects.filter(pk=story.pk).update(
            photo=story.photo.name,
            photo_width=story.photo_width,
            photo_height=story.photo_height,
            photo_digest=story.photo_digest,
            photo_alt=story.photo_alt,
        )
        camera.camera_photo.cache_clear()


# -- parent --------------------------------------------------------------------------


def engine_env(out: Path, tree: Path) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{out / 'db.sqlite3'}",
        PUBLISHER_BUILD_DIR=str(out / "build"),
        PUBLISHER_MEDIA_ROOT=str(out / "media"),
        PUBLISHER_TASKS="database",
        PYTHONPATH=str(tree),
    )


def run(tree: Path, env: dict[str, str], *argv: str) -> str:
    return subprocess.run(
        [sys.executable, *argv], cwd=tree, env=env, check=True, capture_output=True, text=True
    ).stdout


def seeded(out: Path, tree: Path, stories: int) -> dict[str, str]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = engine_env(out, tree)
    run(tree, env, "manage.py", "migrate", "-v0")
    run(tree, env, "manage.py", "seed_demo", "--stories", str(stories), "--obituaries", "20",
        "--crimes", "20", "--seed", "1", "-v0")  # fmt: skip
    return env


def serve(root: Path) -> tuple[ThreadingHTTPServer, int]:
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def reader_bytes(site: Path, story_url: str) -> dict[str, dict[str, tuple[int, int, bool]]]:
    """{viewport: {page: (image bytes, lead photo bytes, original requested)}}."""
    from playwright.sync_api import sync_playwright

    server, port = serve(site.resolve())
    out: dict[str, dict[str, tuple[int, int, bool]]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            for name, viewport, dpr in (
                ("phone", {"width": 390, "height": 844}, 3),
                ("desktop", {"width": 1280, "height": 800}, 1),
            ):
                out[name] = {}
                for page_name, url in (("story", story_url), ("front", "/")):
                    context = browser.new_context(viewport=viewport, device_scale_factor=dpr)
                    page = context.new_page()
                    sizes: list[tuple[str, int]] = []

                    def seen(response, sizes=sizes) -> None:
                        if response.request.resource_type == "image":
                            sizes.append((response.url, len(response.body())))

                    page.on("response", seen)
                    page.goto(f"http://127.0.0.1:{port}{url}", wait_until="load")
                    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                    page.wait_for_timeout(500)
                    lead = sum(n for u, n in sizes if "lanterns" in u or "/renditions/" in u)
                    original = any("/media/photos/" in u and "lanterns" in u for u, _ in sizes)
                    out[name][page_name] = (sum(n for _, n in sizes), lead, original)
                    context.close()
            browser.close()
    finally:
        server.shutdown()
    return out


def measure_reader(tree: Path, which: str, args: argparse.Namespace) -> dict:
    out = Path(args.out) / f"reader-{which}"
    env = seeded(out, tree, 200)
    run(tree, env, "manage.py", "build", "--no-progress", "-v0")
    found = json.loads(
        run(tree, env, str(ROOT / "bench" / "photos.py"), "_reader", str(args.repeats))
    )
    found["bytes"] = reader_bytes(out / "build" / "site", found["story"])
    shutil.rmtree(out, ignore_errors=True)
    return found


def _tree_pss_kb(root: int) -> int:
    """The summed PSS of a process and its descendants: pages shared between
    a build and the workers it forked counted once, split between them."""
    from build import _children

    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        frontier.extend(_children(pid))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def timed_build(tree: Path, env: dict[str, str]) -> tuple[float, float, int, int]:
    """Wall seconds, the CPU seconds of the build and its workers, and the
    peaks of their summed RSS and summed PSS in MB (sampled every 50 ms; RSS
    as bench/build.py counts it, which counts a forked worker's shared pages
    again in each process)."""
    from build import _children, run_measured

    argv = [sys.executable, "manage.py", "build", "--no-progress", "-v0"]
    pss_peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal pss_peak
        me = os.getpid()
        while not done.is_set():
            for child in _children(me):
                pss_peak = max(pss_peak, _tree_pss_kb(child))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        seconds, peak_mb, _ = run_measured(argv, env, cwd=tree)
    finally:
        done.set()
        sampler.join()
    return seconds, run_measured.cpu, peak_mb, pss_peak // 1024


def measure_build(args: argparse.Namespace) -> dict:
    """Builds of the demo with --photos more camera photos and of a copy of it
    without them, in turn (the machine's load falls on both alike)."""
    out = Path(args.out) / "build-photos"
    bare_out = Path(args.out) / "build-bare"
    env = seeded(out, ROOT, args.stories)
    timed_build(ROOT, env)  # the demo's own photos' renditions, made once
    shutil.rmtree(bare_out, ignore_errors=True)
    shutil.copytree(out, bare_out, ignore=shutil.ignore_patterns("build"))
    bare_env = engine_env(bare_out, ROOT)
    timed_build(ROOT, bare_env)
    started = time.perf_counter()
    run(ROOT, env, str(ROOT / "bench" / "photos.py"), "_photos", str(args.photos))
    stored = time.perf_counter() - started
    first = timed_build(ROOT, env)
    bare, second = [], []
    for i in range(args.repeats):  # none made, taking turns
        pair = ((bare_env, bare), (env, second))
        for one_env, into in pair if i % 2 == 0 else pair[::-1]:
            into.append(timed_build(ROOT, one_env))
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(bare_out, ignore_errors=True)
    return {"bare": bare, "stored_s": stored, "first": first, "second": second}
    # (bare: the demo with its 3 camera photos and drawn ones, renditions made;
    # second: the same plus --photos camera photos, renditions made too.)


def ssim(a, b) -> float:
    import numpy as np

    def box(x, k=7):
        c = np.cumsum(np.cumsum(np.pad(x, ((1, 0), (1, 0))), 0), 1)
        return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)

    x = np.asarray(a.convert("L"), dtype=np.float64)
    y = np.asarray(b.convert("L"), dtype=np.float64)
    mx, my = box(x), box(y)
    vx, vy, cxy = box(x * x) - mx * mx, box(y * y) - my * my, box(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(s.mean())


def measure_formats() -> list[tuple[str, str, int, float]]:
    from PIL import Image

    camera = camera_module()
    sources = {"camera 12 MP (synthetic grain)": camera.camera_photo((4000, 3000), orientation=1)}
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    import random

    import django

    django.setup()
    from content.demo.photos import _draw_scene

    scene = _draw_scene(random.Random(1))[0]
    with Image.open(io.BytesIO(scene)) as drawn:  # the demo's drawing, upscaled to 1280
        out = io.BytesIO()
        drawn.resize((1920, 1279), Image.Resampling.LANCZOS).save(out, "PNG")
    sources["demo drawing (flat colours)"] = out.getvalue()
    rows = []
    for label, data in sources.items():
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (2000, 1500))
            height = round(image.size[1] * 1280 / image.size[0])
            reference = image.convert("RGB").resize((1280, height), Image.Resampling.LANCZOS)

        def encoded(fmt: str, quality: int, reference=reference) -> tuple[int, float]:
            buf = io.BytesIO()
            options = {"quality": quality}
            if fmt == "WEBP":
                options["method"] = 4
            if fmt == "AVIF":
                options["speed"] = 8
            if fmt == "JPEG":
                options.update(progressive=True, optimize=True)
            reference.save(buf, fmt, **options)
            with Image.open(io.BytesIO(buf.getvalue())) as back:
                return len(buf.getvalue()), ssim(reference, back)

        jpeg_bytes, target = encoded("JPEG", 82)
        rows.append((label, "JPEG q82", jpeg_bytes, target))
        for fmt in ("WEBP", "AVIF"):
            low, high = 10, 100
            best = None
            while low <= high:  # the lowest quality that reaches the JPEG's SSIM
                mid = (low + high) // 2
                size, score = encoded(fmt, mid)
                if score >= target:
                    best, high = (mid, size, score), mid - 1
                else:
                    low = mid + 1
            if best is not None:
                rows.append((label, f"{fmt} q{best[0]}", best[1], best[2]))
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        {"_reader": lambda: child_reader(int(sys.argv[2])),
         "_memory": child_memory,
         "_photos": lambda: child_photos(int(sys.argv[2]))}[sys.argv[1]]()  # fmt: skip
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", metavar="REV")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--out", default="/tmp/newsroom-bench-photos")
    parser.add_argument("--only", default="bytes,build,memory,formats")
    args = parser.parse_args()
    only = set(args.only.split(","))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    kind = subprocess.run(["stat", "-f", "-c", "%T", args.out], capture_output=True, text=True)
    where = "RAM disk" if kind.stdout.strip() == "tmpfs" else "disk"
    print(f"output under {args.out} ({where}); load average {os.getloadavg()[0]:.1f}")
    trees = [("this", ROOT)]
    if args.against:
        trees.append((against.label(args.against), against.checkout(args.against)))
    if "bytes" in only:
        for which, tree in trees:
            found = measure_reader(tree, which, args)
            print(f"\n[{which}] Save -> live, new 12 MP photo: median "
                  f"{statistics.median(found['save']):.2f} s (runs {found['save']})")  # fmt: skip
            print(f"[{which}] Save -> live, edit keeping it: median "
                  f"{statistics.median(found['edit']):.3f} s")  # fmt: skip
            for viewport, pages in found["bytes"].items():
                for page, (total, lead, original) in pages.items():
                    print(f"[{which}] {viewport:8} {page:6} images {total / 1024:8.1f} KB, "
                          f"lead photo {lead / 1024:8.1f} KB, original requested: {original}")  # fmt: skip
    if "memory" in only:
        out = Path(args.out) / "memory"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        env = engine_env(out, ROOT)
        (out / "media").mkdir()
        camera = camera_module()
        (out / "media" / "bench-memory.jpg").write_bytes(
            camera.camera_photo((4000, 3000), orientation=1)
        )
        found = json.loads(run(ROOT, env, str(ROOT / "bench" / "photos.py"), "_memory"))
        print(f"\nmemory: one 12 MP photo's renditions in {found['seconds']:.2f} s, "
              f"peak RSS {found['peak_kb'] / 1024:.0f} MB "
              f"(the process before: {found['before_kb'] / 1024:.0f} MB); budget 150 MB")  # fmt: skip
        shutil.rmtree(out, ignore_errors=True)
    if "formats" in only:
        print("\nformats at 1280 px, same SSIM as JPEG q82:")
        for label, fmt, size, score in measure_formats():
            print(f"  {label}: {fmt:10} {size / 1024:8.1f} KB  SSIM {score:.4f}")
    if "build" in only:
        found = measure_build(args)
        bare = statistics.median(run[0] for run in found["bare"])
        second = statistics.median(run[0] for run in found["second"])
        bare_cpu = statistics.median(run[1] for run in found["bare"])
        second_cpu = statistics.median(run[1] for run in found["second"])
        rss = {name: max(run[2] for run in found[name]) for name in ("bare", "second")}
        pss = {name: max(run[3] for run in found[name]) for name in ("bare", "second")}
        print(f"\nbuild peak memory of all processes, summed RSS (summed PSS): first build "
              f"{found['first'][2]} MB ({found['first'][3]} MB) with the renditions made, "
              f"second {rss['second']} MB ({pss['second']} MB), without the photos "
              f"{rss['bare']} MB ({pss['bare']} MB); budget 150 MB")  # fmt: skip
        print(f"\nbuild CPU (all processes): without new photos {bare_cpu:.1f} s, "
              f"second build with them {second_cpu:.1f} s, {second_cpu / bare_cpu:.2f}x")  # fmt: skip
        print(f"\nbuild, {args.stories:,} stories: no camera photos {bare:.1f} s; "
              f"storing {args.photos} camera photos {found['stored_s']:.1f} s; "
              f"first build {found['first'][0]:.1f} s (CPU {found['first'][1]:.1f} s); "
              f"second {second:.1f} s, {second / bare:.2f}x the build without them")  # fmt: skip


if __name__ == "__main__":
    main()

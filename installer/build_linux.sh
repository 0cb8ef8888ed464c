#!/usr/bin/env bash
# Build the Linux one-folder bundle with installer/sanchong.spec and check it (installer/README.md):
#
#   bash installer/build_linux.sh [--dist DIR] [--work DIR]     # defaults: dist/ and build/
#
# 1. pyinstaller --clean installer/sanchong.spec  → DIR/SanchongCalculator/SanchongCalculator (timed)
# 2. the bundle's size, and no file of an unused Qt module (QtWebEngine, QtQml/QtQuick, Qt3D, …)
# 3. the built executable: --version, --self-test (last line 自检通过…), with SANCHONG_BUNDLE_DATABASE_URL
#    --self-test --database-url (the bundled psycopg connects, keyring finds its backends), and, offscreen
#    (QT_QPA_PLATFORM=offscreen), its main window opened on a temporary data folder and closed once
#    the store is open and the first page shown (SANCHONG_QUIT_AFTER_SHOW=ready), then --screenshots
#    (every page and the print preview, so nothing the pages import lazily is missing)
# 4. as the windowed Windows exe would: --version and --self-test with no standard output (written to
#    $TMPDIR/sanchong-cli.txt); an unusable data folder at start (logged in $TMPDIR, the dialog waiting);
#    --self-test and the window from a copy under a Chinese-named folder (…/张三/三重保障计算器/)
# 5. where strace is installed: that the window loaded Qt's Chinese translation from inside the bundle
#
# Exit 0 when all pass. Uses $PYTHON, else .venv/bin/python, else python3 (with `pip install -e '.[dev]'`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DIST=dist
WORK=build
while [ $# -gt 0 ]; do
  case "$1" in
    --dist) DIST=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    *) echo "usage: $0 [--dist DIR] [--work DIR]" >&2; exit 2 ;;
  esac
done

if [ -n "${PYTHON:-}" ]; then PY=$PYTHON
elif [ -x .venv/bin/python ]; then PY=.venv/bin/python
else PY=python3; fi
for tool in objcopy objdump ldd; do  # PyInstaller on Linux runs them (Debian: binutils, libc-bin)
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing: apt-get install binutils" >&2; exit 1; }
done
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  echo "PyInstaller is missing for $PY: run  $PY -m pip install -e '.[dev]'" >&2
  exit 1
fi

NAME=$("$PY" installer/buildinfo.py name)
VERSION=$("$PY" installer/buildinfo.py version)
BUNDLE="$DIST/$NAME"
EXE="$BUNDLE/$NAME"
mkdir -p "$WORK"
LOG="$WORK/pyinstaller.log"

fail() { echo "BUNDLE CHECK FAILED: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
seconds() { printf '%d.%02d' $(( $1 / 1000 )) $(( $1 % 1000 / 10 )); }  # 12345 ms → 12.34

# -- 1. build ----------------------------------------------------------------------------------
echo "== building $NAME $VERSION with $("$PY" -m PyInstaller --version) (log: $LOG)"
start=$(now_ms)
if ! "$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$DIST" --workpath "$WORK" \
    installer/sanchong.spec >"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  fail "pyinstaller failed (full log: $LOG)"
fi
build_s=$(seconds $(( $(now_ms) - start )))
grep '^sanchong.spec:' "$LOG" || true
# Missing system libraries of optional Linux plugins (xcb, gtk3) are expected on a headless machine.
others=$(grep -E 'WARNING|ERROR' "$LOG" | grep -v -E "Library not found|required via ctypes not found" || true)
[ -z "$others" ] || { echo "pyinstaller warnings:"; echo "$others"; }
[ -x "$EXE" ] || fail "no executable at $EXE"
printf 'built in %s s: %s (%s)\n' "$build_s" "$BUNDLE" "$("$PY" installer/buildinfo.py size "$BUNDLE")"

# -- 2. no unused Qt module -------------------------------------------------------------------
if ! unused=$("$PY" installer/buildinfo.py unused-qt "$BUNDLE"); then
  echo "$unused" >&2
  fail "the bundle holds files of Qt modules the app does not use"
fi
echo "unused Qt modules in the bundle: none"
[ -f "$BUNDLE/_internal/PySide6/Qt/translations/qtbase_zh_CN.qm" ] || fail "qtbase_zh_CN.qm is not in the bundle"

# -- 3. run it -----------------------------------------------------------------------------------
TMP=$(mktemp -d -t sanchong-bundle-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export QT_QPA_PLATFORM=offscreen
export XDG_CONFIG_HOME="$TMP/config"  # the window's QSettings stay out of the user's
export SANCHONG_DATA_DIR="$TMP/data"  # a fresh data folder: the clerk's first start
unset SANCHONG_QUIT_AFTER_SHOW

got=$(timeout 60 "$EXE" --version) || fail "--version exited $?"
[ "$got" = "三重保障计算器 $VERSION" ] || fail "--version printed '$got', not '三重保障计算器 $VERSION'"
echo "--version: $got"

set +e
selftest=$(timeout 120 "$EXE" --self-test 2>&1); code=$?
set -e
echo "$selftest"
[ $code -eq 0 ] || fail "--self-test exited $code"
case "$(echo "$selftest" | tail -n 1)" in 自检通过*) ;; *) fail "--self-test's last line does not start with 自检通过" ;; esac

# The store on a server: the bundle's own psycopg (binary libpq) connects, and keyring finds its
# backends. SANCHONG_BUNDLE_DATABASE_URL names a server (.ci/run starts a throwaway one with
# `python tests/pg.py run -- bash installer/build_linux.sh`); read only, nothing is written there.
if [ -n "${SANCHONG_BUNDLE_DATABASE_URL:-}" ]; then
  set +e
  server=$(timeout 120 "$EXE" --self-test --database-url "$SANCHONG_BUNDLE_DATABASE_URL" 2>&1); code=$?
  set -e
  last=$(echo "$server" | tail -n 1)
  [ $code -eq 0 ] || { echo "$server" >&2; fail "--self-test --database-url exited $code"; }
  case "$last" in *连接成功*"实现 binary"*"密钥环 keyring.backends."*) ;;
    *) fail "--self-test --database-url did not connect with the bundled psycopg and keyring: $last" ;; esac
  echo "server: ${last#*；}"
else
  echo "server: not checked (SANCHONG_BUNDLE_DATABASE_URL unset; .ci/run sets it)"
fi

start=$(now_ms)
set +e
SANCHONG_QUIT_AFTER_SHOW=ready timeout 120 "$EXE" >"$TMP/window.log" 2>&1; code=$?
set -e
window_s=$(seconds $(( $(now_ms) - start )))
[ $code -eq 0 ] || { cat "$TMP/window.log" >&2; fail "the window run (offscreen, SANCHONG_QUIT_AFTER_SHOW=ready) exited $code"; }
[ -f "$SANCHONG_DATA_DIR/cases.sqlite3" ] || fail "the window run did not open a case store in $SANCHONG_DATA_DIR"
printf 'window (offscreen): opened, store opened in %s, first page shown, closed: exit 0 in %s s\n' \
  "$SANCHONG_DATA_DIR" "$window_s"

set +e
timeout 300 "$EXE" --screenshots "$TMP/shots" >"$TMP/shots.log" 2>&1; code=$?
set -e
[ $code -eq 0 ] || { cat "$TMP/shots.log" >&2; fail "--screenshots exited $code"; }
shots=$(find "$TMP/shots" -name '*.png' | wc -l)
[ "$shots" -ge 10 ] || fail "--screenshots saved only $shots screens"
echo "--screenshots: $shots screens saved (every page and the print preview), exit 0"

# -- 4. what the windowed Windows exe meets ---------------------------------------------------------
# No standard output (Python then has sys.stdout None, as in the windowed exe): the lines go to
# $TMPDIR/sanchong-cli.txt (%TEMP% on Windows).
mkdir -p "$TMP/tmp"
TMPDIR="$TMP/tmp" timeout 60 "$EXE" --version >&- 2>&- || fail "--version without standard output exited $?"
[ "$(cat "$TMP/tmp/sanchong-cli.txt")" = "三重保障计算器 $VERSION" ] \
  || fail "--version without standard output wrote '$(cat "$TMP/tmp/sanchong-cli.txt" 2>/dev/null)' to \$TMPDIR/sanchong-cli.txt"
TMPDIR="$TMP/tmp" timeout 120 "$EXE" --self-test >&- 2>&- || fail "--self-test without standard output exited $?"
case "$(tail -n 1 "$TMP/tmp/sanchong-cli.txt")" in 自检通过*) ;; *) fail "--self-test without standard output: no 自检通过 in sanchong-cli.txt" ;; esac
echo "no standard output: --version and --self-test written to \$TMPDIR/sanchong-cli.txt"

# An unusable data folder (a file): logged in $TMPDIR before Qt starts, and a dialog waits for the
# clerk (the run is stopped after 15 s; exit 124 = still waiting on the dialog).
echo x > "$TMP/not-a-folder"
set +e
SANCHONG_DATA_DIR="$TMP/not-a-folder" TMPDIR="$TMP/tmp" timeout 15 "$EXE" >"$TMP/refused.log" 2>&1; code=$?
set -e
[ $code -eq 124 ] || { cat "$TMP/refused.log" >&2; fail "with an unusable data folder the window exited $code instead of showing its dialog"; }
grep -q "data folder refused" "$TMP/tmp/SanchongCalculator-logs/sanchong.log" \
  || fail "an unusable data folder was not logged in \$TMPDIR/SanchongCalculator-logs/sanchong.log"
echo "unusable data folder: logged in \$TMPDIR/SanchongCalculator-logs/sanchong.log, dialog shown"

# A copy under a Chinese-named folder (C:\Users\张三\… on a clerk's PC)
ZH="$TMP/张三/三重保障计算器"
mkdir -p "$(dirname "$ZH")" && cp -a "$BUNDLE" "$ZH"
zh_selftest=$(timeout 120 "$ZH/$NAME" --self-test 2>&1) || { echo "$zh_selftest" >&2; fail "--self-test under $ZH exited $?"; }
case "$(echo "$zh_selftest" | tail -n 1)" in 自检通过*) ;; *) fail "--self-test under $ZH: no 自检通过" ;; esac
set +e
SANCHONG_QUIT_AFTER_SHOW=ready SANCHONG_DATA_DIR="$TMP/数据" timeout 120 "$ZH/$NAME" >"$TMP/zh-window.log" 2>&1; code=$?
set -e
[ $code -eq 0 ] && [ -f "$TMP/数据/cases.sqlite3" ] || { cat "$TMP/zh-window.log" >&2; fail "the window under $ZH exited $code"; }
echo "Chinese-named folder: --self-test and the window (store opened) pass from $ZH"

# -- 5. the Chinese Qt dialogs: translations found inside the bundle ---------------------------
if command -v strace >/dev/null 2>&1; then
  set +e
  SANCHONG_QUIT_AFTER_SHOW=ready SANCHONG_DATA_DIR="$TMP/data2" timeout 120 \
    strace -f -qq -e trace=openat -o "$TMP/strace.txt" "$EXE" >/dev/null 2>&1; code=$?
  set -e
  if [ $code -ne 0 ] || ! grep -q openat "$TMP/strace.txt" 2>/dev/null; then
    echo "translations: not checked (strace could not trace here, exit $code)"
  else
    qm="$(cd "$BUNDLE" && pwd)/_internal/PySide6/Qt/translations/qtbase_zh_CN.qm"
    grep -F "\"$qm\"" "$TMP/strace.txt" | grep -q -v ENOENT \
      || fail "the window did not load $qm (QLibraryInfo's TranslationsPath is not inside the bundle)"
    echo "translations: the window loaded ${qm#"$ROOT"/}"
  fi
else
  echo "translations: not checked at run time (no strace); qtbase_zh_CN.qm is in the bundle"
fi

printf 'BUNDLE OK: %s %s, %s, built in %s s\n' "$NAME" "$VERSION" "$("$PY" installer/buildinfo.py size "$BUNDLE")" "$build_s"

#!/bin/sh
# bench/build-tla2tools.sh: build tla2tools.jar (TLC, SANY) from a local checkout of
# https://github.com/tlaplus/tlaplus, for machines that cannot download the released jar
# (this one: Maven Central refuses org.lamport:tla2tools, and neither npm nor Debian packages
# it). Needs a JDK (javac, jar) 11 or later; nothing is downloaded.
#
#   bench/build-tla2tools.sh <tlaplus-checkout> [out.jar]     (out.jar defaults to ./tla2tools.jar)
#
# What it does, as the release build does in essence: compile every source of
# tlatools/org.lamport.tlatools/src against the jars the repository ships in lib/, copy the
# non-Java resources (the standard modules, messages), and fold in the runtime libraries TLC
# loads (gson, javax.mail, jline) so that `java -cp tla2tools.jar tlc2.TLC` runs alone.
set -eu
src=${1:?usage: bench/build-tla2tools.sh <tlaplus-checkout> [out.jar]}
out=${2:-tla2tools.jar}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
tools="$src/tlatools/org.lamport.tlatools"
[ -d "$tools/src/tlc2" ] || { echo "bench/build-tla2tools.sh: no tlatools/org.lamport.tlatools/src/tlc2 under $src" >&2; exit 2; }
command -v javac >/dev/null 2>&1 || { echo "bench/build-tla2tools.sh: no javac: install a JDK" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp=$(find "$tools/lib" -name '*.jar' | tr '\n' ':')
echo "compiling $(find "$tools/src" -name '*.java' | wc -l) sources (a minute or two)…"
find "$tools/src" -name '*.java' >"$work/sources"
javac -nowarn -encoding UTF-8 -d "$work/classes" -cp "$cp" "@$work/sources" 2>"$work/javac.log" ||
  { cat "$work/javac.log" >&2; exit 1; }
(cd "$tools/src" && find . -type f ! -name '*.java' -exec cp --parents {} "$work/classes/" \;)
cd "$work/classes"
for j in "$tools"/lib/gson/*.jar "$tools"/lib/javax.mail/*.jar "$tools"/lib/jline/*.jar; do
  unzip -qo "$j" -x 'META-INF/*'
done
jar cf "$out" .
echo "wrote $out"
java -cp "$out" tlc2.TLC -h 2>&1 | grep -m1 Version || true

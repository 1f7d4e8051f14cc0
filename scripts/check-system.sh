#!/usr/bin/env bash
# Check the system libraries WeasyPrint needs; say how to install what is missing.
missing=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset' || missing+=(libharfbuzz-subset0)
fc-list 2>/dev/null | grep -qi 'DejaVu' || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  echo "note: PDF rendering wants these Debian packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "      installing them with apt-get…"
    (apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; }) \
      && echo "      done." || echo "      could not install; run: sudo apt-get install ${missing[*]}"
  else
    echo "      install them with: sudo apt-get install ${missing[*]}"
    echo "      (without libharfbuzz-subset0 certificates render about four times slower)"
  fi
fi
exit 0

#!/bin/sh
# Re-extract every translatable string and merge it into the Russian catalogue.
# Run after adding or changing a string; then translate the new empty msgstr in
# app/translations/ru/LC_MESSAGES/messages.po and commit both files. `make translations`
# compiles the .mo (make run and make test do it).
set -eu
cd "$(dirname "$0")/.."
BIN=.venv/bin
$BIN/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l -k "pgettext:1c,2" -k "lazy_pgettext:1c,2" -k "_lp:1c,2" --no-location \
    --sort-output -o app/translations/messages.pot . >/dev/null
$BIN/pybabel -q update -i app/translations/messages.pot -d app/translations -l ru --no-fuzzy-matching \
    --ignore-obsolete
$BIN/pybabel compile --statistics -d app/translations

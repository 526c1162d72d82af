#!/bin/sh
# `meson install` into a temporary DESTDIR gives a shortlist that works where it lands: it
# finds its catalogue and themes under that tree's share/shortlist (not in the source
# tree, not in the configured prefix), and the shell completions are installed and work.
# usage: test_install.sh MESON BUILD_DIR PREFIX
set -eu
meson=$1 build=$2 prefix=$3
tmp=$(mktemp -d /tmp/shortlist-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_install: $*" >&2; exit 1; }

"$meson" install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "meson install failed"; }
root=$tmp/root$prefix
bin=$root/bin/shortlist
[ -x "$bin" ] || fail "no $bin"
unset SHORTLIST_DATADIR
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/data" XDG_CONFIG_HOME="$tmp/home/config"
export XDG_CACHE_HOME="$tmp/home/cache"

out=$("$bin" --db "$tmp/s.db" models --limit 1) || fail "installed models --limit 1 failed"
[ "$(printf '%s\n' "$out" | wc -l)" -ge 2 ] || fail "models --limit 1 printed: $out"
printf ':dump start\n' >"$tmp/keys"
"$bin" --db "$tmp/s.db" tui --script "$tmp/keys" --size 80x24 --theme light >"$tmp/tui.out" \
	2>"$tmp/tui.err" || { cat "$tmp/tui.err" >&2; fail "installed tui --theme light failed"; }
grep -q '=== start (80x24) ===' "$tmp/tui.out" || fail "no screen from the installed tui"
! grep -q 'theme' "$tmp/tui.err" || fail "theme warning: $(cat "$tmp/tui.err")"

share=$root/share
bash_c=$share/bash-completion/completions/shortlist
[ -f "$bash_c" ] || fail "no $bash_c"
[ -f "$share/zsh/site-functions/_shortlist" ] || fail "no zsh completion"
[ -f "$share/fish/vendor_completions.d/shortlist.fish" ] || fail "no fish completion"
bash -n "$bash_c" || fail "$bash_c does not parse"
if command -v zsh >/dev/null; then zsh -n "$share/zsh/site-functions/_shortlist" || fail "zsh"; fi
if command -v fish >/dev/null; then fish -n "$share/fish/vendor_completions.d/shortlist.fish" || fail "fish"; fi

# The bash completion, through the installed binary: commands, options, option values,
# and prompt names and run-free model keys from the store.
printf '{"name": "sentiment", "user": "{{text}}"}\n' >"$tmp/p.json"
"$bin" --db "$tmp/s.db" prompts add "$tmp/p.json" >/dev/null || fail "prompts add"
complete_words() {
	PATH="$root/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_shortlist; printf "%s\n" "${COMPREPLY[@]}"' sh "$bash_c" "$@"
}
expect() { # expect WORD COMMAND-LINE...
	want=$1; shift
	got=$(complete_words "$@")
	printf '%s\n' "$got" | grep -qx -- "$want" || fail "completing '$*': no '$want' in: $got"
}
expect promotions shortlist prom
expect --stage shortlist promote 1 --st
expect pre-prod shortlist promote 1 --stage ""
expect csv shortlist report --format c
expect sentiment@1 shortlist --db "$tmp/s.db" promote 1 --model x --prompt ""
expect sentiment shortlist --db "$tmp/s.db" prompts edit s
expect openai/gpt-4o shortlist --db "$tmp/s.db" models show openai/gpt-4o
expect diff shortlist runs d
# zsh and fish, where installed: the same candidates through their scripts.
if command -v zsh >/dev/null; then
	got=$(PATH="$root/bin:$PATH" zsh -c 'compadd() { while [ "$1" != -- ]; do shift; done
		shift; print -l -- "$@"; }; _files() { :; }; words=(shortlist promote 1 --stage "")
		CURRENT=5; . "$1"' sh "$share/zsh/site-functions/_shortlist")
	printf '%s\n' "$got" | grep -qx pre-prod || fail "zsh completion gave: $got"
fi
if command -v fish >/dev/null; then
	got=$(PATH="$root/bin:$PATH" fish -c "source $share/fish/vendor_completions.d/shortlist.fish
		complete -C 'shortlist promote 1 --stage '")
	printf '%s\n' "$got" | grep -qx pre-prod || fail "fish completion gave: $got"
fi
echo "installed into $root: models, theme and completions work"

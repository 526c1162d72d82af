# bash completion for shortlist. Candidates come from `shortlist __complete`, which reads
# each command's --help and the store (model keys, prompt names, run ids).
_shortlist()
{
	local cur=${COMP_WORDS[COMP_CWORD]} line files=0
	COMPREPLY=()
	while IFS= read -r line; do
		if [[ $line == __files__ ]]; then
			files=1
		elif [[ -n $line ]]; then
			COMPREPLY+=("$line")
		fi
	done < <(shortlist __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
	if ((files)); then
		local f
		while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -f -- "$cur")
		compopt -o filenames 2>/dev/null
	fi
}
complete -F _shortlist shortlist

# fish completion for shortlist: candidates from `shortlist __complete` (each command's
# --help, and model keys, prompt names and run ids from the store).
function __shortlist_complete
    set -l words (commandline -opc) (commandline -ct)
    for line in (shortlist __complete -- $words[2..-1] 2>/dev/null)
        if test "$line" = __files__
            __fish_complete_path (commandline -ct)
        else if test -n "$line"
            echo $line
        end
    end
end
complete -c shortlist -f -a '(__shortlist_complete)'

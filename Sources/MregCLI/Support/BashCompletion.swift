import ArgumentParser

/// `mreg --generate-completion-script bash`: argument-parser's script, plus a wrapper that makes
/// revisions complete in a real shell. Bash's default `COMP_WORDBREAKS` holds `@`, so for
/// `mreg show fraud@p<TAB>` the generated function sees the words `fraud`, `@`, `p` and offers
/// nothing; the wrapper splits the line up to the cursor on blanks only (`fraud@p`), runs the
/// generated function on those words, and trims what bash will keep (`fraud@`) from each reply,
/// as bash-completion's `__ltrim_colon_completions` does for `:`.
enum BashCompletion {
    static let wrapper = #"""

# mreg: complete MODEL@REV although '@' is in COMP_WORDBREAKS (see above).
_mreg_at() {
    local line="${COMP_LINE:0:COMP_POINT}"
    local -a words
    read -r -a words <<< "${line}"
    [[ "${line}" =~ [[:space:]]$ ]] && words+=("")
    (( ${#words[@]} == 0 )) && words=("mreg" "")
    local -a COMP_WORDS=("${words[@]}")
    local COMP_CWORD=$(( ${#words[@]} - 1 ))
    local cur="${words[COMP_CWORD]}" prev=""
    (( COMP_CWORD > 0 )) && prev="${words[COMP_CWORD - 1]}"
    _mreg "${1}" "${cur}" "${prev}"
    if [[ "${cur}" == *@* ]]; then
        local kept="${cur%"${cur##*@}"}"
        COMPREPLY=("${COMPREPLY[@]#"${kept}"}")
    fi
}
complete -o filenames -F _mreg_at mreg
"""#

    /// Prints the script and exits when `arguments` ask for bash's; returns otherwise.
    static func runIfAsked(_ arguments: [String]) {
        guard arguments == ["--generate-completion-script", "bash"] || arguments == ["--generate-completion-script=bash"] else { return }
        Terminal.write(MregCommand.completionScript(for: .bash) + wrapper)
        MregCommand.finish(.success)
    }
}

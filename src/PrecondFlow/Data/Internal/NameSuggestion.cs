namespace PrecondFlow.Data.Internal;

/// <summary>Finds the known name a mistyped one was probably meant to be, for "Did you mean ...?" hints.</summary>
internal static class NameSuggestion
{
    /// <summary>
    /// The candidate closest to <paramref name="input"/>, comparing lower-case letters and digits
    /// only (so "Swiss_Roll" matches "swiss-roll"): the one at the smallest edit distance, if that
    /// distance is at most a third of the candidate's length (at least 1), or if one name contains
    /// the other. Null when nothing is close.
    /// </summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        var typed = Normalise(input);
        if (typed.Length == 0)
            return null;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var known = Normalise(candidate);
            var distance = EditDistance(typed, known);
            var close = distance <= Math.Max(1, known.Length / 3)
                || (typed.Length >= 3 && (known.Contains(typed, StringComparison.Ordinal) || typed.Contains(known, StringComparison.Ordinal)));
            if (close && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>" Did you mean 'x'?" when a candidate is close, else the empty string.</summary>
    public static string Hint(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } match ? $" Did you mean '{match}'?" : "";

    private static string Normalise(string name) =>
        new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    /// <summary>Levenshtein distance: insertions, deletions and substitutions each cost 1.</summary>
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

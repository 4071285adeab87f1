using System.Globalization;

namespace MedicalAid.LoadDriver;

/// <summary>Thrown for a bad command line; the message says what is wrong.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary><c>--name value</c> / <c>--name=value</c> options of a verb; <c>--flag</c> alone means true.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    public CommandLine(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(flags);
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (arg is "--help" or "-h" or "-?")
            {
                Help = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"Unexpected argument '{arg}'.");
            }

            string name;
            string value;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else if (flags.Contains(arg[2..]))
            {
                name = arg[2..];
                value = "true";
            }
            else if (i + 1 < list.Count)
            {
                name = arg[2..];
                value = list[++i];
            }
            else
            {
                throw new UsageException($"Option '{arg}' needs a value.");
            }

            if (!values.TryGetValue(name, out var entries))
            {
                values[name] = entries = [];
            }

            entries.Add(value);
        }
    }

    public bool Help { get; }

    public string String(string name, string fallback) => Last(name) ?? fallback;

    public string? OptionalString(string name) => Last(name);

    public IReadOnlyList<string> All(string name)
    {
        read.Add(name);
        return values.TryGetValue(name, out var entries) ? entries : [];
    }

    public bool Flag(string name) => Last(name) is { } text && (bool.TryParse(text, out var flag) ? flag : throw Bad(name, text));

    public int Int(string name, int fallback, int min, int max)
    {
        if (Last(name) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Bad(name, text, $"an integer from {min} to {max}");
    }

    public long Long(string name, long fallback, long min, long max)
    {
        if (Last(name) is not { } text)
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Bad(name, text, $"an integer from {min} to {max}");
    }

    public double Double(string name, double fallback, double min, double max)
    {
        if (Last(name) is not { } text)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= min && value <= max
            ? value
            : throw Bad(name, text, $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>A comma-separated list of integers, e.g. <c>--clients 8,32</c>.</summary>
    public IReadOnlyList<int> IntList(string name, IReadOnlyList<int> fallback, int min, int max)
    {
        if (Last(name) is not { } text)
        {
            return fallback;
        }

        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var list = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                throw Bad(name, text, $"a comma-separated list of integers from {min} to {max}");
            }

            list.Add(value);
        }

        return list.Count > 0 ? list : throw Bad(name, text, "at least one value");
    }

    /// <summary>Throws for any option given but never asked for.</summary>
    public void RejectUnknown()
    {
        var unknown = values.Keys.Where(name => !read.Contains(name)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"Unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(name => "--" + name))}.");
        }
    }

    private string? Last(string name)
    {
        read.Add(name);
        return values.TryGetValue(name, out var entries) ? entries[^1] : null;
    }

    private static UsageException Bad(string name, string text, string? expected = null) =>
        new($"--{name}: '{text}' is not valid{(expected is null ? "" : $"; expected {expected}")}.");
}

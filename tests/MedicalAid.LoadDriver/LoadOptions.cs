using System.Globalization;

namespace MedicalAid.LoadDriver;

/// <summary>Command-line options, parsed by hand from <c>--name value</c> (or <c>--name=value</c>) pairs.</summary>
internal sealed record LoadOptions
{
    public Uri Url { get; init; } = new("http://127.0.0.1:5080/");

    public int Clients { get; init; } = 8;

    public double DurationSeconds { get; init; } = 20;

    public double WarmupSeconds { get; init; } = 3;

    public int Seed { get; init; } = 1;

    public double InpatientShare { get; init; } = 0.5;

    public const string Usage = """
        MedicalAid.LoadDriver: settlement throughput of a running MedicalAid API (demo data) over HTTP.

        Verbs (each starts its own API process and databases; `<verb> --help` for options):
          benchmark   the API against the database's own limit (pgbench, raw SQLite), 8 and 32 clients: benchmark.sh
          profile     round trips, statements and lock waits per settlement on PostgreSQL
          growth      latency with 10 thousand against 10 million settlements stored: ../MedicalAid.ScaleSeeder/growth.sh

        Without a verb: one closed-loop run against --url.

        Options:
          --url <url>                API base address            (default http://127.0.0.1:5080)
          --clients <n>              concurrent workers          (default 8)
          --duration <seconds>       measured time               (default 20)
          --warmup <seconds>         time before measuring       (default 3, not counted)
          --seed <n>                 base seed of the bills      (default 1; worker i uses seed + i)
          --inpatient-share <0..1>   share of inpatient stays    (default 0.5)
          --help                     this text

        Exit code: 0 when the run completed, 1 when more than 1% of requests failed (or none was made),
        2 for bad arguments.
        """;

    /// <summary>Parses <paramref name="args"/>; returns null and sets <paramref name="error"/> when they are not valid.</summary>
    public static LoadOptions? Parse(IReadOnlyList<string> args, out string? error, out bool help)
    {
        var options = new LoadOptions();
        error = null;
        help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                help = true;
                return null;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                error = $"Unexpected argument '{arg}'.";
                return null;
            }

            string name;
            string value;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                name = arg[2..];
                value = args[++i];
            }
            else
            {
                error = $"Option '{arg}' needs a value.";
                return null;
            }

            switch (name)
            {
                case "url":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                    {
                        error = $"--url: '{value}' is not an absolute http(s) URL.";
                        return null;
                    }

                    // A trailing slash, so that relative request paths keep any base path.
                    options = options with { Url = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/") };
                    break;
                case "clients" when TryInt(value, 1, 10_000, out var clients):
                    options = options with { Clients = clients };
                    break;
                case "duration" when TryDouble(value, 0.1, 86_400, out var duration):
                    options = options with { DurationSeconds = duration };
                    break;
                case "warmup" when TryDouble(value, 0, 86_400, out var warmup):
                    options = options with { WarmupSeconds = warmup };
                    break;
                case "seed" when TryInt(value, int.MinValue, int.MaxValue, out var seed):
                    options = options with { Seed = seed };
                    break;
                case "inpatient-share" when TryDouble(value, 0, 1, out var share):
                    options = options with { InpatientShare = share };
                    break;
                case "url" or "clients" or "duration" or "warmup" or "seed" or "inpatient-share":
                    error = $"--{name}: '{value}' is not a valid value.";
                    return null;
                default:
                    error = $"Unknown option '--{name}'.";
                    return null;
            }
        }

        return options;
    }

    private static bool TryInt(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool TryDouble(string text, double min, double max, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && value >= min && value <= max;
}

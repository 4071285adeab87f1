using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Units;
using MedicalAid.Contracts.Admin;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Staff;

/// <summary>
/// Console commands of the service, run instead of it with the same settings (appsettings, environment variables,
/// command line) and database:
/// <c>staff create-admin --username NAME --display-name TEXT --unit CODE [--unit-name NAME] [--password-stdin]</c>
/// creates the first administrator of a fresh database (and its city unit if missing).
/// </summary>
public static class StaffCommands
{
    private const string Actor = "console:create-admin";

    public static bool IsCommand(string[] args) => args is ["staff", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is not ["staff", "create-admin", .. var rest] || !TryParse(rest, out var options, out var settings))
        {
            await Console.Error.WriteLineAsync("""
                Usage: dotnet run --project src/MedicalAid.Api -- staff create-admin --username NAME --display-name TEXT --unit CODE [--unit-name NAME] [--password-stdin]
                  Creates an account with the admin role in unit CODE (a city unit named NAME is created if there is none).
                  Without --password-stdin a one-time password is printed, to be changed at the first sign-in;
                  with it, the initial password is read from standard input and nothing secret is printed.
                  Database settings are the service's own (ConnectionStrings__MedicalAid, Database__Provider).
                """);
            return 2;
        }

        string? password = null;
        if (options.ContainsKey("password-stdin"))
        {
            password = (await Console.In.ReadLineAsync())?.TrimEnd('\r', '\n');
            if (string.IsNullOrEmpty(password))
            {
                await Console.Error.WriteLineAsync("No password on standard input.");
                return 2;
            }
        }

        var builder = WebApplication.CreateBuilder(settings);
        builder.AddMedicalAidDatabase();
        builder.Services.AddMedicalAidApi(builder.Configuration);
        await using var app = builder.Build();
        await app.PrepareDatabaseAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<MedicalAidDbContext>();
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("name", Actor)], "console"));

        var unitCode = options["unit"];
        if (!await db.Units.AnyAsync(unit => unit.Code == unitCode))
        {
            if (!options.TryGetValue("unit-name", out var unitName))
            {
                await Console.Error.WriteLineAsync($"There is no unit {unitCode}: add --unit-name to create it as a city.");
                return 1;
            }

            var created = await services.GetRequiredService<UnitService>()
                .CreateAsync(new CreateUnitRequest { Code = unitCode, Name = unitName }, principal, CancellationToken.None);
            if (created.Problem is { } unitProblem)
            {
                await Console.Error.WriteLineAsync($"The unit was not created: {Describe(unitProblem)}");
                return 1;
            }

            Console.WriteLine($"Created unit {unitCode} {unitName} (city).");
        }

        var outcome = await services.GetRequiredService<StaffAccounts>().CreateAsync(
            new CreateStaffRequest { Username = options["username"], DisplayName = options["display-name"], UnitCode = unitCode, Roles = [StaffAccess.Admin] },
            Actor,
            DataScope.Everything,
            CancellationToken.None);
        if (outcome.Problem is { } problem || outcome.Value is not { } account)
        {
            await Console.Error.WriteLineAsync($"The account was not created: {Describe(outcome.Problem!)}");
            return 1;
        }

        if (password is not null)
        {
            var set = await services.GetRequiredService<StaffAccounts>().SetInitialPasswordAsync(account.Account.Username, password, Actor, CancellationToken.None);
            if (set is not null)
            {
                await Console.Error.WriteLineAsync($"The account was created but its password was refused: {set}. Use the printed-password form or reset it.");
                return 1;
            }

            Console.WriteLine($"Created admin {account.Account.Username} in unit {unitCode}. Sign in at /console/sign-in; an authenticator app is enrolled at the first sign-in.");
            return 0;
        }

        Console.WriteLine($"Created admin {account.Account.Username} in unit {unitCode}.");
        Console.WriteLine($"One-time password (change it at the first sign-in): {account.OneTimePassword}");
        return 0;
    }

    private static string Describe(Microsoft.AspNetCore.Mvc.ProblemDetails problem) =>
        problem is HttpValidationProblemDetails validation
            ? string.Join("; ", validation.Errors.Select(error => $"{error.Key}: {string.Join(" ", error.Value)}"))
            : problem.Title ?? "refused";

    /// <summary>Splits the command's own options from the rest, which are the service's settings (e.g. --Database:Provider Postgres).</summary>
    private static bool TryParse(string[] args, out Dictionary<string, string> options, out string[] settings)
    {
        string[] known = ["username", "display-name", "unit", "unit-name"];
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = new List<string>();
        for (var index = 0; index < args.Length; index++)
        {
            var name = args[index].StartsWith("--", StringComparison.Ordinal) ? args[index][2..] : null;
            if (name == "password-stdin")
            {
                options[name] = "";
            }
            else if (name is not null && known.Contains(name) && index + 1 < args.Length)
            {
                options[name] = args[++index];
            }
            else
            {
                rest.Add(args[index]);
            }
        }

        settings = [.. rest];
        return options.ContainsKey("username") && options.ContainsKey("display-name") && options.ContainsKey("unit");
    }
}

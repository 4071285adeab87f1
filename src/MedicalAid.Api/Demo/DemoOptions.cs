using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Demo;

/// <summary>Demo data (section <c>Demo</c>): the hospitals, people, funds, units and staff accounts of the design.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Enabled { get; set; }

    /// <summary>
    /// Demo accounts have a published password, so demo data is refused in Production unless this is set as well
    /// (for a training or acceptance system that runs with the Production settings).
    /// </summary>
    public bool AllowInProduction { get; set; }
}

public static class DemoOptionsSetup
{
    public static IServiceCollection AddDemoOptions(this IServiceCollection services)
    {
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DemoOptions>, DemoOptionsValidation>();
        return services;
    }

    private sealed class DemoOptionsValidation(IHostEnvironment environment) : IValidateOptions<DemoOptions>
    {
        public ValidateOptionsResult Validate(string? name, DemoOptions options) =>
            options.Enabled && environment.IsProduction() && !options.AllowInProduction
                ? ValidateOptionsResult.Fail(
                    "Demo:Enabled is true in the Production environment: demo staff accounts have a published password. " +
                    "Turn Demo:Enabled off, or set Demo:AllowInProduction=true for a training system.")
                : ValidateOptionsResult.Success;
    }
}

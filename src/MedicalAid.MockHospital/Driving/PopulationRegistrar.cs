using System.Collections.Concurrent;
using System.Net.Http.Headers;
using MedicalAid.Client;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace MedicalAid.MockHospital.Driving;

/// <summary>The one staff endpoint the mock hospitals need: registering the beneficiaries of a generated population.</summary>
internal interface IStaffBeneficiaryApi
{
    [Post("/api/v1/admin/beneficiaries")]
    Task<BeneficiaryDetail> RegisterAsync([Body] CreateBeneficiaryRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What registering a population did; people already registered (by an earlier run with the same seed) are fine.</summary>
internal sealed record RegistrationResult(int Registered, int AlreadyRegistered, IReadOnlyDictionary<string, int> Errors);

/// <summary>Registers a generated population through the staff API, with a bearer token of role operator (or admin).</summary>
internal sealed class PopulationRegistrar : IDisposable
{
    private readonly ServiceProvider services;
    private readonly IStaffBeneficiaryApi api;

    private PopulationRegistrar(ServiceProvider services)
    {
        this.services = services;
        api = services.GetRequiredService<IStaffBeneficiaryApi>();
    }

    public static PopulationRegistrar Open(Uri apiBaseUrl, string staffToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(staffToken);
        var services = new ServiceCollection();
        services.AddRefitGeneratedClient<IStaffBeneficiaryApi>(MedicalAidClientSetup.Settings())
            .ConfigureHttpClient(client =>
            {
                client.BaseAddress = apiBaseUrl;
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", staffToken);
            })
            .AddStandardResilienceHandler();
        return new PopulationRegistrar(services.BuildServiceProvider());
    }

    /// <summary>Registers each person, active in their category from <paramref name="effectiveFrom"/>.</summary>
    public async Task<RegistrationResult> RegisterAsync(IReadOnlyList<Patient> people, DateOnly effectiveFrom, int concurrency, CancellationToken cancellationToken)
    {
        var registered = 0;
        var alreadyRegistered = 0;
        var errors = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(people, options, async (person, token) =>
        {
            try
            {
                await api.RegisterAsync(
                    new CreateBeneficiaryRequest
                    {
                        IdNumber = person.Identity.IdNumber,
                        Name = person.Identity.Name,
                        Category = person.Category,
                        EffectiveFrom = effectiveFrom,
                    },
                    token);
                Interlocked.Increment(ref registered);
            }
            catch (MedicalAidProblemException problem) when (problem.Type == ProblemTypes.Duplicate)
            {
                Interlocked.Increment(ref alreadyRegistered);
            }
            catch (Exception exception) when (exception is MedicalAidProblemException or ApiExceptionBase or HttpRequestException)
            {
                errors.AddOrUpdate(DischargeDriver.ErrorKind(exception), 1, (_, count) => count + 1);
            }
        });
        return new RegistrationResult(registered, alreadyRegistered, errors);
    }

    public void Dispose() => services.Dispose();
}

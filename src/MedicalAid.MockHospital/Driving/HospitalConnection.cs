using MedicalAid.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace MedicalAid.MockHospital.Driving;

/// <summary>
/// One hospital's client of the MedicalAid API, built the way an integrator builds it: <see cref="MedicalAidClientSetup"/>
/// on a service collection of its own (the typed client is registered once per container, so each hospital has one).
/// </summary>
internal sealed class HospitalConnection : IDisposable
{
    private readonly ServiceProvider services;

    private HospitalConnection(HospitalAccount account, ServiceProvider services)
    {
        Account = account;
        this.services = services;
        Api = services.GetRequiredService<IMedicalAidHospitalApi>();
    }

    public HospitalAccount Account { get; }

    public IMedicalAidHospitalApi Api { get; }

    public static HospitalConnection Open(Uri apiBaseUrl, HospitalAccount account, Action<HttpStandardResilienceOptions>? configureResilience = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        var services = new ServiceCollection();
        services.AddMedicalAidHospitalClient(apiBaseUrl, account.ApiKey, configureResilience);
        return new HospitalConnection(account, services.BuildServiceProvider());
    }

    public void Dispose() => services.Dispose();
}

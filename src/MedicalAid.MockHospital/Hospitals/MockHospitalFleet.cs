namespace MedicalAid.MockHospital.Hospitals;

/// <summary>One mock hospital system per hospital code, on consecutive ports from <c>firstPort</c> (or on free ports).</summary>
internal sealed class MockHospitalFleet : IDisposable
{
    private MockHospitalFleet(IReadOnlyList<MockHospitalSystem> systems) => Systems = systems;

    public IReadOnlyList<MockHospitalSystem> Systems { get; }

    /// <summary>Starts a system per hospital, each verifying callbacks with its hospital's callback secret (none: it accepts nothing).</summary>
    public static MockHospitalFleet Start(IEnumerable<(string Code, string? CallbackSecret)> hospitals, int firstPort, HospitalFaults faults, int seed)
    {
        var systems = new List<MockHospitalSystem>();
        try
        {
            foreach (var ((code, secret), index) in hospitals.Select((hospital, index) => (hospital, index)))
            {
                systems.Add(MockHospitalSystem.Start(code, firstPort == 0 ? 0 : firstPort + index, faults, unchecked(seed + index), callbackSecret: secret));
            }

            return new MockHospitalFleet(systems);
        }
        catch
        {
            systems.ForEach(system => system.Dispose());
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var system in Systems)
        {
            system.Dispose();
        }
    }
}

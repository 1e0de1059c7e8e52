"""payssam_pytest: the pytest plugin of payssam's simulator, loaded by pytest through the `pytest11` entry point.

Fixtures (each fresh per test, in-process, no socket unless asked): `payssam_sim` (a Simulator), `payssam_client` and
`async_payssam_client` (the SDK's clients bound to it), `payssam_approvals` (the approvals its bills got),
`payssam_sim_url` (the same simulator on a free loopback port, for code in another process) and
`payssam_api_version`; the marker `@pytest.mark.payssam(api_version=2, **simulator_settings)`.

Loading the plugin imports pytest and the standard library only: every pytest run of a project that installs payssam
loads it, with or without the `mock` extra; the simulator and the SDK are imported by the fixtures that need them.
"""

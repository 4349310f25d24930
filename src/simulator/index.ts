// src/simulator: a fake provider API served over loopback HTTP — the endpoints a runbook's simulator profile declares, driven by scenario phases, for drills and tests.
export {
  startSimulator,
  type NodeLookup,
  type RecordedRequest,
  type RunningSimulator,
  type SimulatorOptions,
} from './server.ts';
export {
  assertDrillEnds,
  behaviorOf,
  builtinScenario,
  loadScenarioFile,
  parseScenarioPhases,
  ScenarioFileError,
  type BuiltinScenario,
  type ScenarioPhase,
} from './scenarios.ts';

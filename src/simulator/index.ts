export { startSimulator, type RunningSimulator, type SimulatorOptions, type RecordedRequest } from './server.ts';
export {
  BUILTIN_SCENARIOS,
  BUILTIN_SCENARIO_DEFINITIONS,
  builtinScenario,
  loadScenarioFile,
  parseScenarioPhases,
  ScenarioFileError,
  type BuiltinScenario,
  type ScenarioPhase,
} from './scenarios.ts';

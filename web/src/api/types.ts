import type { components } from './schema';

/** Names for the generated schemas the page uses (`make api-client` regenerates them). */
type Schemas = components['schemas'];

export type AuthSession = Schemas['SessionInfo'];
export type AuthUser = Schemas['UserOut'];
export type CallOptions = Schemas['Options'];
export type ConversationSummary = Schemas['ConversationOut'];
export type ConversationRecord = Schemas['ConversationDetail'];
export type ConversationEvent = Schemas['EventOut'];
export type ConversationRecording = Schemas['RecordingOut'];
export type ConversationFile = Schemas['FileOut'];
export type ConversationCreate = Schemas['ConversationCreate'];
export type ClientLatency = Schemas['ClientLatencyIn'];
export type Experiment = Schemas['ExperimentOut'];
export type ExperimentCreate = Schemas['ExperimentIn'];
export type ExperimentVariant = Schemas['ExperimentVariant'];
export type ExperimentResults = Schemas['ExperimentResults'];
export type VariantResult = Schemas['VariantResult'];
export type ResultMetric = Schemas['ExperimentMetric'];
export type AnalyticsReport = Schemas['AnalyticsReport'];
export type AnalyticsBreakdownRow = Schemas['BreakdownRow'];
export type AnalyticsDayRow = Schemas['DayRow'];
export type AnalyticsLatencyRow = Schemas['LatencyRow'];
export type AnalyticsErrorRow = Schemas['ErrorRow'];
export type Rating = Schemas['RatingOut'];
export type RatingIn = Schemas['RatingIn'];

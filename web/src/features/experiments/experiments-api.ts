import { api, expectData, type ApiClient } from '../../api/client';
import type { CallOptions, Experiment, ExperimentCreate, ExperimentResults } from '../../api/types';

export type { Experiment, ExperimentCreate, ExperimentResults };

export async function listExperiments(client: ApiClient = api): Promise<Experiment[]> {
  return expectData(await client.GET('/api/experiments'));
}

export async function createExperiment(body: ExperimentCreate, client: ApiClient = api): Promise<Experiment> {
  return expectData(await client.POST('/api/experiments', { body }));
}

export async function setRunning(id: string, running: boolean, client: ApiClient = api): Promise<Experiment> {
  const params = { path: { experiment_id: id } };
  return expectData(
    running
      ? await client.POST('/api/experiments/{experiment_id}/start', { params })
      : await client.POST('/api/experiments/{experiment_id}/stop', { params }),
  );
}

export async function deleteExperiment(id: string, client: ApiClient = api): Promise<void> {
  await client.DELETE('/api/experiments/{experiment_id}', { params: { path: { experiment_id: id } } });
}

export async function getResults(id: string, client: ApiClient = api): Promise<ExperimentResults> {
  return expectData(
    await client.GET('/api/experiments/{experiment_id}/results', { params: { path: { experiment_id: id } } }),
  );
}

/** The personas and voices a variant may name. */
export async function getChoices(client: ApiClient = api): Promise<CallOptions> {
  return expectData(await client.GET('/api/options'));
}

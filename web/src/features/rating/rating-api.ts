import { api, expectData, type ApiClient } from '../../api/client';
import type { Rating, RatingIn } from '../../api/types';

export type { Rating, RatingIn };

/** Rate the call (again: the new rating replaces the old one). */
export async function saveRating(conversationId: string, rating: RatingIn, client: ApiClient = api): Promise<Rating> {
  return expectData(
    await client.PUT('/api/conversations/{conversation_id}/rating', {
      params: { path: { conversation_id: conversationId } },
      body: rating,
    }),
  );
}

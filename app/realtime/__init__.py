"""Real-time subscriptions: which published mutation results reach which subscriber."""

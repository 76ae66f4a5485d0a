# The polling client from tokenlab-create-image.txt ("Handling Task-Based Responses"), verbatim but
# for the base URL and the key, which come from the environment. `requests` is the stdlib stand-in
# beside this file.
import os
import sys

import requests
import time

BASE_URL = os.environ["EASEL_BASE_URL"]
API_KEY = os.environ["EASEL_API_KEY"]

def generate_image(prompt, model="midjourney"):
    # Create image request
    response = requests.post(
        f"{BASE_URL}/v1/images/generations",
        headers={"Authorization": f"Bearer {API_KEY}"},
        json={"model": model, "prompt": prompt}
    )
    data = response.json()

    # Check if task-based
    if data.get("status") == "pending":
        task_id = data["task_id"]
        poll_url = data.get("poll_url")
        print(f"Image task started: {task_id}")

        # Poll for result
        while True:
            status_resp = requests.get(
                f"{BASE_URL}{poll_url}" if poll_url else f"{BASE_URL}/v1/tasks/{task_id}",
                headers={"Authorization": f"Bearer {API_KEY}"}
            )
            status_data = status_resp.json()

            if status_data["status"] == "completed":
                return status_data["data"][0]["url"]
            elif status_data["status"] == "failed":
                raise Exception(status_data.get("error", "Generation failed"))

            time.sleep(3)
    else:
        # Inline response
        return data["data"][0]["url"]

# Usage
url = generate_image("a beautiful sunset over mountains", model=sys.argv[1] if len(sys.argv) > 1 else "midjourney")
print(f"Generated image: {url}")
